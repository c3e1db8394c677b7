"""A learner's server start-up: runs AS THE LEARNER, then becomes ``jupyterhub-singleuser``.

``classroom/start`` copies this file to ``$SCRATCHNN_CLASSROOM/shared/`` (root-owned, read-only)
and the hub starts every learner's server as ``VENV/bin/python shared/singleuser.py ARGS``. Running
as the learner, it:

1. sets the umask to 077 and the learner's home to 0700 (whatever made the account), so the
   notebooks, kernel connection files and sockets made later are theirs alone;
2. syncs the course into ``~/scratchnn-course``: a notebook the learner does not have is added; one
   still exactly as it was delivered (its SHA-256 is in ``.delivered.json``) is replaced by the
   course's newer version; one the learner changed is never touched;
3. execs ``jupyterhub-singleuser`` from the same venv with the hub's arguments.

Nothing here runs as root, so a symlink in the learner's home can only point the learner at files
the learner may already write.
"""
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

COURSE_FOLDER = "scratchnn-course"
MANIFEST = ".delivered.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync_course(release: Path, target: Path) -> list[str]:
    """Bring ``target`` up to date with the notebooks in ``release``; returns one line per change."""
    if not release.is_dir():
        return [f"no course release in {release} yet"]
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        return [f"{target} is not a folder: the course was not copied (rename it to get the course)"]
    target.mkdir(exist_ok=True)
    manifest_path = target / MANIFEST
    try:
        delivered = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        delivered = {}
    said = []
    for source in sorted(release.glob("*.ipynb")):
        mine, new = target / source.name, sha256(source)
        if mine.is_symlink() or (mine.exists() and (not mine.is_file() or sha256(mine) != delivered.get(source.name))):
            continue                     # the learner's own work (or not a notebook): leave it
        if mine.exists() and delivered.get(source.name) == new:
            continue                     # already the course's version
        said.append(f"{'updated' if mine.exists() else 'added'} {mine}")
        shutil.copyfile(source, mine)
        delivered[source.name] = new
    manifest_path.write_text(json.dumps(delivered, indent=1, sort_keys=True))
    return said


def main():
    os.umask(0o077)
    home = Path(os.environ["HOME"])
    os.chmod(home, 0o700)
    try:
        said = sync_course(Path(os.environ["SCRATCHNN_COURSE_RELEASE"]), home / COURSE_FOLDER)
    except OSError as e:             # the server starts all the same: the course is a click away (Assignments)
        said = [f"the course could not be synced: {e}"]
    for line in said:
        print(f"scratchnn course: {line}", file=sys.stderr)
    singleuser = Path(sys.executable).parent / "jupyterhub-singleuser"
    os.execv(singleuser, [str(singleuser), *sys.argv[1:]])


if __name__ == "__main__":
    main()
