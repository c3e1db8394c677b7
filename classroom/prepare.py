"""What ``classroom/start`` and ``classroom/grade`` do, as root, without root ever acting on a
learner's or the grader's files: what goes into the grader's folder is handed over as a tar
stream that the grader unpacks, and every nbgrader command runs as the grader.

``$SCRATCHNN_CLASSROOM`` (see README, "What lives where"):

- ``hub/``        root, 0700: the hub's database, cookie secret, pid files;
- ``grading/``    the grader's, 0700: the nbgrader course folder (``source/`` = the teacher's
  notebooks, ``gradebook.db``, ``submitted/``, ``autograded/``, ``feedback/``, ``grades.csv``);
- ``exchange/``   nbgrader's exchange (1777, as nbgrader wants it): the release learners get, the
  inbox of submissions (learners may write, not list), the feedback;
- ``shared/``     root, read-only for learners: MNIST (``mnist/``, ``mnist-cache/``), their servers'
  start-up (``singleuser.py``) and nbgrader settings (``jupyter/``);
- ``learners.txt``.

    python classroom/prepare.py start    # everything before the hub listens
    python classroom/prepare.py grade    # collect, autograde (as the grader, time-limited), CSV, feedback
"""
from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tools"))
import settings as class_settings  # noqa: E402
import student_release  # noqa: E402

ASSIGNMENT, COURSE_ID = student_release.ASSIGNMENT, student_release.COURSE_ID


class Refused(SystemExit):
    pass


def say(line):
    print(f"classroom: {line}", flush=True)


def account(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def run_as(name, argv, *, cwd, env, timeout=None, input=None):
    """Run ``argv`` as user ``name`` (their uid and group only, umask 077); returns the CompletedProcess."""
    user = pwd.getpwnam(name)
    return subprocess.run(argv, user=user.pw_uid, group=user.pw_gid, extra_groups=[], umask=0o077,
                          cwd=cwd, env=env, input=input, timeout=timeout, capture_output=True)


def kill_processes_of(uid):
    """SIGKILL every process of ``uid`` (a learner whose server stopped, the grader after a time-out)."""
    import psutil
    if uid == 0 or uid == os.getuid():
        raise ValueError(f"refusing to kill the processes of uid {uid} (root or this process's own)")
    left = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
    for proc in left:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(left, timeout=5)


def grader_env(S):
    return {"HOME": str(S.grading), "PATH": f"{S.venv / 'bin'}:/usr/bin:/bin", "LANG": "C.UTF-8",
            "SCRATCHNN_DATA": str(S.shared / "mnist"), "SCRATCHNN_CACHE": str(S.shared / "mnist-cache"),
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def nbgrader(S, *args, timeout=900):
    """``nbgrader ARGS`` as the grader in the course folder (the venv's bin first on PATH: nbgrader calls alembic)."""
    run = run_as(S.grader, [str(S.venv / "bin" / "nbgrader"), *args], cwd=S.grading, env=grader_env(S), timeout=timeout)
    if run.returncode != 0:
        raise Refused(f"classroom: nbgrader {' '.join(args)} failed:\n"
                      f"{run.stdout.decode(errors='replace')[-2000:]}{run.stderr.decode(errors='replace')[-2000:]}")
    return run


def folder(path: Path, mode: int, owner=None):
    """``path`` as a real folder (never a symlink) with ``mode``, made by root in a folder of root's."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if path.is_symlink() or not path.is_dir():
            raise Refused(f"classroom: {path} must be a folder, not a symlink or a file") from None
    if owner is not None and path.stat().st_uid != owner.pw_uid:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    os.chmod(path, mode)


def make_private(repo: Path):
    mode = stat.S_IMODE(repo.stat().st_mode)
    if mode & 0o077:
        os.chmod(repo, mode & 0o700)
        say(f"made {repo} readable by root only (was {oct(mode)}): its notebooks hold the solutions")


def ensure_account(name, *args):
    if account(name) is None:
        subprocess.run(["useradd", *args, name], check=True)
        say(f"made the account {name}")
    return account(name)


def teacher_password(name):
    """The teacher logs in with PAM: they need a password before the hub listens."""
    ensure_account(name, "--create-home", "--key", "HOME_MODE=0700", "--shell", "/bin/bash")
    status = subprocess.run(["passwd", "--status", name], capture_output=True, text=True).stdout.split()
    if len(status) > 1 and status[1] == "P":
        return
    if sys.stdin.isatty():
        say(f"set the password {name} logs in to the hub with:")
        if subprocess.run(["passwd", name]).returncode == 0:
            return
    raise Refused(f"classroom: the teacher's account {name} has no password: set one with `passwd {name}`, "
                  "then run classroom/start again")


def hand_over(S, files: dict[str, bytes], clear: str):
    """Give ``files`` (relative path -> bytes) to the grader: they unpack them into their folder themselves."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
    run = run_as(S.grader, ["/bin/sh", "-c", 'rm -rf -- "$1" && tar -x --no-same-owner -f -', "sh", clear],
                 cwd=S.grading, env=grader_env(S), input=buffer.getvalue(), timeout=120)
    if run.returncode != 0:
        raise Refused(f"classroom: the grader could not unpack the course: {run.stderr.decode(errors='replace')}")


def prepare(S):
    if os.geteuid() != 0:
        raise Refused("classroom: run classroom/start as root (it runs each learner's server as that learner)")
    if not (S.venv / "bin" / "jupyterhub").exists():
        raise Refused(f"classroom: no hub in {S.venv}: run classroom/install first")
    make_private(REPO)
    os.umask(0o022)
    folder(S.root, 0o755)
    folder(S.hub, 0o700)
    folder(S.shared, 0o755)
    grader = ensure_account(S.grader, "--system", "--no-create-home", "--home-dir", str(S.grading),
                            "--shell", "/usr/sbin/nologin")
    folder(S.grading, 0o700, grader)
    if not S.exchange.exists():  # the course's own folder first, so no learner can take its name
        folder(S.exchange, 0o755)
        folder(S.exchange / COURSE_ID, 0o755, grader)
    folder(S.exchange, 0o1777)

    # -- the course, as nbgrader's assignment, made and released by the grader
    notebooks = student_release.course_notebooks(S.notebooks)
    files = {f"source/{ASSIGNMENT}/{p.name}": p.read_bytes() for p in notebooks}
    files["nbgrader_config.py"] = student_release.course_config(S.grading, S.exchange).encode()
    hand_over(S, files, clear=f"source/{ASSIGNMENT}")
    nbgrader(S, "generate_assignment", ASSIGNMENT, "--force")
    nbgrader(S, "release_assignment", ASSIGNMENT, "--force")
    say(f"released {len(notebooks)} notebooks as the nbgrader assignment {ASSIGNMENT}")

    # -- what every learner's server reads: MNIST out of the repository, the start-up, nbgrader's exchange
    mnist = S.shared / "mnist"
    folder(mnist, 0o755)
    for path in sorted((REPO / "data" / "mnist").glob("*.gz")):
        if not (mnist / path.name).exists():
            shutil.copyfile(path, mnist / path.name)
    env = {**grader_env(S), "HOME": str(S.hub)}
    build = subprocess.run([str(S.venv / "bin" / "python"), "-c", "import scratchnn; scratchnn.load_mnist()"],
                           env=env, capture_output=True, text=True, timeout=600)
    if build.returncode != 0:
        raise Refused(f"classroom: the shared MNIST cache could not be made:\n{build.stderr[-2000:]}")
    subprocess.run(["chmod", "-R", "a+rX,go-w", str(mnist), str(S.shared / "mnist-cache")], check=True)
    shutil.copyfile(HERE / "singleuser.py", S.shared / "singleuser.py")
    os.chmod(S.shared / "singleuser.py", 0o644)
    jupyter = S.shared / "jupyter"
    folder(jupyter, 0o755)
    (jupyter / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(S.exchange)!r}\nc.CourseDirectory.course_id = {COURSE_ID!r}\n")
    (jupyter / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False}}}))
    if not S.learners_file.exists():
        S.learners_file.write_text("# one learner's user name per line\n")
    teacher_password(S.teacher)


def grade(S):
    """Collect the submissions, autograde each learner's as the grader (time-limited), export the
    grades as CSV, make the feedback and release it to the learners' Assignments tab."""
    if os.geteuid() != 0:
        raise Refused("classroom: run classroom/grade as root (it runs nbgrader as the grader account)")
    nbgrader(S, "collect", ASSIGNMENT, "--update")
    submitted = S.grading / "submitted"
    learners = sorted(p.name for p in submitted.iterdir() if class_settings.USER_NAME.match(p.name)) \
        if submitted.is_dir() else []
    for name in learners:
        try:
            nbgrader(S, "autograde", ASSIGNMENT, "--student", name, "--create", "--force", timeout=S.grade_timeout)
            say(f"graded {name}")
        except subprocess.TimeoutExpired:
            kill_processes_of(pwd.getpwnam(S.grader).pw_uid)   # its kernel too
            say(f"{name}: grading stopped after {S.grade_timeout} s (SCRATCHNN_GRADE_TIMEOUT); no grade")
        except Refused as e:
            say(f"{name}: not graded, nbgrader said:\n{e.code}")
    nbgrader(S, "export", "--to", str(S.grading / "grades.csv"))
    if learners:
        nbgrader(S, "generate_feedback", ASSIGNMENT, "--force")
        nbgrader(S, "release_feedback", ASSIGNMENT)
    say(f"{len(learners)} graded; grades in {S.grading / 'grades.csv'}; feedback released "
        "(learners: Assignments tab, Fetch Feedback)")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in {"start", "grade"}:
        sys.exit("usage: python classroom/prepare.py start|grade")
    try:
        S = class_settings.load()
    except class_settings.SettingError as e:
        sys.exit(f"classroom: {e}")
    {"start": prepare, "grade": grade}[sys.argv[1]](S)
