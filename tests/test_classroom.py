"""The class hub of classroom/, for real: a class no learner can turn against root, the grader or a classmate.

As root (CI runs as root), with real Unix accounts made with ``useradd`` (removed after, also on
failure), PAM passwords set with ``chpasswd``, the venv of ``classroom/install`` and the real
``LocalProcessSpawner``: one hub started with ``classroom/start`` for the whole module, a class of
three learners, one course notebook (``SCRATCHNN_NOTEBOOKS=01``). The tests run in order on that
one hub (issue 16's findings in brackets):

- the first start with an empty learners.txt lets the teacher in over HTTP with PAM [8], and the
  teacher adds the class on the Admin API [8];
- a learner's symlink, planted before their first start and raced by a detached loop of theirs
  across two starts, never makes root touch a root-only file [1]; the loop is gone after the hub stops [11];
- homes are 0700 whoever made them, a home the hub never makes [6]; kernels talk over Unix sockets
  only [4]; servers have no path into the repository [3];
- fetch, submit (the Assignments tab's API), ``classroom/grade`` (collect, autograde as the grader,
  CSV, feedback) end to end, and a learner's code run by the autograder is not root [2, 9];
- the repository's notebooks, the grading source, grades, submissions and the hub's database are
  unreadable by a learner [3, 5].

Without root or useradd it is skipped with the reason; in CI (CI=true) it fails instead.
"""
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "classroom"))
import hub_client  # noqa: E402

VENV = Path(os.environ.get("SCRATCHNN_VENV") or "/opt/scratchnn/venv")
COURSE_ID, ASSIGNMENT = "scratchnn", "scratchnn-course"

MISSING = [what for what, ok in [
    ("root (the class has real accounts)", os.geteuid() == 0),
    ("useradd and chpasswd", shutil.which("useradd") and shutil.which("chpasswd")),
    ("PAM (/etc/pam.d/login)", Path("/etc/pam.d/login").exists()),
    ("/usr/bin/python3 (Debian's, for the hub's venv)", Path("/usr/bin/python3").exists()),
    ("configurable-http-proxy (npm)", shutil.which("configurable-http-proxy")),
] if not ok]
if MISSING and os.environ.get("CI") != "true":
    pytest.skip(f"needs {', '.join(MISSING)}", allow_module_level=True)

SECRET = b"root's own secret: no learner may own, read or write this\n"


def untouched(path: Path):
    st = path.lstat()
    return (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), path.read_bytes()) == (0, 0, 0o600, SECRET)


RACE = r"""
import os, sys, time
course, secret = os.path.expanduser("~/scratchnn-course"), sys.argv[1]
while True:      # swap the course folder for a symlink to root's file, and its notebooks too, forever
    try:
        if os.path.isdir(course) and not os.path.islink(course):
            for name in os.listdir(course):
                path = os.path.join(course, name)
                try:
                    os.unlink(path); os.symlink(secret, path)
                except OSError:
                    pass
            os.rename(course, f"{course}.{time.monotonic_ns()}")
        elif os.path.lexists(course):
            os.unlink(course)
        else:
            os.symlink(secret, course)
    except OSError:
        pass
"""


@pytest.fixture(scope="module")
def klass():
    assert not MISSING, f"CI must provide {', '.join(MISSING)} (.ci/run)"
    begun = time.monotonic()
    install = subprocess.run(["bash", str(REPO / "classroom" / "install")],
                             env={**os.environ, "SCRATCHNN_VENV": str(VENV)},
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-3000:]
    print(f"\nclassroom/install: {time.monotonic() - begun:.0f} s")

    tag = secrets.token_hex(2)
    names = SimpleNamespace(teacher=f"snt{tag}t", grader=f"snt{tag}g", learners=[f"snt{tag}a", f"snt{tag}b"],
                            added=f"snt{tag}c", homeless=f"snt{tag}x")
    root = Path(tempfile.mkdtemp(prefix="scratchnn-class-", dir="/tmp"))
    os.chmod(root, 0o755)
    shared_tmp = Path(f"{root}-tmp")                       # root's folder every learner can enter
    shared_tmp.mkdir(mode=0o755)
    secret = shared_tmp / "secret"
    secret.write_bytes(SECRET)
    os.chmod(secret, 0o600)
    uid_drop = shared_tmp / "uid"
    uid_drop.mkdir()
    os.chmod(uid_drop, 0o1777)
    (root / "learners.txt").write_text("")                 # the first start: nobody listed
    accounts = hub_client.Accounts()
    hub = None
    try:
        accounts.add(names.teacher)
        for name in names.learners:
            accounts.add(name)                             # useradd -m: a 0755 home
        accounts.add(names.homeless, home=False)           # plain useradd: no home
        accounts.adopt(names.grader)                       # classroom/start makes it
        accounts.adopt(names.added)                        # the hub makes it (Admin -> Add users)
        planted = Path(pwd.getpwnam(names.learners[0]).pw_dir) / "scratchnn-course"
        accounts.run(names.learners[0], ["ln", "-s", str(secret), str(planted)]).check_returncode()
        hub = hub_client.Hub(root, accounts.passwords, env={
            "SCRATCHNN_VENV": str(VENV), "SCRATCHNN_TEACHER": names.teacher, "SCRATCHNN_GRADER": names.grader,
            "SCRATCHNN_NOTEBOOKS": "01", "SCRATCHNN_GRADE_TIMEOUT": "300"})
        ready = hub.wait_ready(timeout=900)
        print(f"classroom/start, first time, to the hub answering: {ready:.0f} s")
        yield SimpleNamespace(hub=hub, accounts=accounts, names=names, root=root, secret=secret,
                              uid_drop=uid_drop, planted=planted, tokens={}, env=hub.env)
    finally:
        if hub is not None:
            hub.stop()
        accounts.remove()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(shared_tmp, ignore_errors=True)
        Path(f"{root}.hub.log").unlink(missing_ok=True)


def as_learner(klass, name, *argv):
    return klass.accounts.run(name, list(argv))


def server_pid(name):
    import psutil
    uid = pwd.getpwnam(name).pw_uid
    return next(p.pid for p in psutil.process_iter(["uids", "cmdline"])
                if p.info["uids"].real == uid and any("jupyterhub-singleuser" in a for a in p.info["cmdline"] or []))


def test_the_first_start_with_an_empty_learners_list_lets_the_teacher_in_with_pam(klass):
    teacher = klass.names.teacher
    klass.tokens[teacher] = klass.hub.login(teacher)
    with pytest.raises(RuntimeError, match=f"login of {teacher} failed: 403"):
        klass.hub.login(teacher, password="not-the-password")


def test_the_teacher_adds_the_class_on_the_admin_page_from_empty(klass):
    n = klass.names
    status, body = hub_client.request(f"{klass.hub.url}/hub/api/users", "POST",
                                      {"usernames": [*n.learners, n.added, n.homeless]}, token=klass.tokens[n.teacher])
    assert status == 201, body
    added = pwd.getpwnam(n.added)                      # the hub made the account, with a 0700 home
    home = os.stat(added.pw_dir)
    assert (home.st_uid, stat.S_IMODE(home.st_mode)) == (added.pw_uid, 0o700)
    klass.accounts.set_password(n.added)               # as the README says: chpasswd for new accounts
    for name in [*n.learners, n.added]:
        klass.tokens[name] = klass.hub.login(name)


def test_a_symlink_planted_in_a_learners_home_gets_root_nothing(klass):
    name = klass.names.learners[0]
    klass.hub.start_server(name, klass.tokens[name])
    assert untouched(klass.secret)
    assert klass.planted.is_symlink()                  # left as the learner made it; the server started anyway


def test_a_learner_racing_symlinks_across_two_server_starts_gets_root_nothing(klass):
    name = klass.names.learners[1]
    user = pwd.getpwnam(name)
    for _ in range(2):
        race = subprocess.Popen(["/usr/bin/python3", "-c", RACE, str(klass.secret)], user=user.pw_uid,
                                group=user.pw_gid, extra_groups=[], cwd=user.pw_dir, env={"HOME": user.pw_dir},
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            klass.hub.start_server(name, klass.tokens[name])
            klass.hub.stop_server(name, klass.tokens[name])
            assert untouched(klass.secret)
            assert race.wait(30) is not None, "the learner's detached loop outlived their server"
        finally:
            if race.poll() is None:
                race.kill()
                race.wait(10)
    klass.hub.start_server(name, klass.tokens[name])


def test_homes_are_0700_whoever_made_them_and_classmates_cannot_read_them(klass):
    n = klass.names
    klass.hub.start_server(n.added, klass.tokens[n.added])
    for name in [*n.learners, n.added]:
        assert stat.S_IMODE(os.stat(pwd.getpwnam(name).pw_dir).st_mode) == 0o700, name
    own = as_learner(klass, n.added, "ls", f"{pwd.getpwnam(n.added).pw_dir}/scratchnn-course")
    assert own.returncode == 0 and "01_" in own.stdout
    peek = as_learner(klass, n.learners[0], "ls", f"{pwd.getpwnam(n.added).pw_dir}/scratchnn-course")
    assert peek.returncode != 0 and "Permission denied" in peek.stderr


def test_a_learner_without_a_home_is_told_so_and_the_hub_makes_none(klass):
    name = klass.names.homeless
    token = klass.hub.login(name)
    with pytest.raises(RuntimeError, match="did not start|failed"):
        klass.hub.start_server(name, token, timeout=60)
    assert f"{name} has no home folder" in klass.hub.log_path.read_text(errors="replace")
    assert not os.path.lexists(pwd.getpwnam(name).pw_dir)


def test_kernels_talk_over_unix_sockets_in_the_learners_own_folder_not_tcp(klass):
    import psutil
    name = klass.names.added
    base, token = f"{klass.hub.url}/user/{name}", klass.tokens[name]
    status, kernel = hub_client.request(f"{base}/api/kernels", "POST", {"name": "python3"}, token=token)
    assert status == 201, kernel
    runtime = Path(pwd.getpwnam(name).pw_dir) / ".local/share/jupyter/runtime"
    connection = runtime / f"kernel-{kernel['id']}.json"
    deadline = time.monotonic() + 60
    while not connection.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    info = json.loads(connection.read_text())
    assert info["transport"] == "ipc" and info["ip"].startswith(str(runtime))
    assert stat.S_IMODE(connection.stat().st_mode) == 0o600
    assert stat.S_IMODE(runtime.stat().st_mode) & 0o077 == 0
    for socket_file in runtime.glob(f"kernel-{kernel['id']}-ipc-*"):
        assert stat.S_IMODE(socket_file.stat().st_mode) & 0o077 == 0, socket_file
    uid = pwd.getpwnam(name).pw_uid
    kernels = [p for p in psutil.process_iter(["uids", "cmdline"])
               if p.info["uids"].real == uid and "ipykernel_launcher" in " ".join(p.info["cmdline"] or [])]
    assert kernels and all(not p.net_connections(kind="inet") for p in kernels)
    hub_client.request(f"{base}/api/kernels/{kernel['id']}", "DELETE", token=token)


def test_the_course_runs_in_a_learners_kernel_from_the_shared_mnist(klass):
    name = klass.names.added
    notebook = next(REPO.glob("notebooks/01_*.ipynb"))
    result = klass.hub.run_notebook(name, klass.tokens[name], notebook, timeout=600)
    assert result["errors"] == []


def test_a_learners_server_has_no_path_into_the_repository(klass):
    name = klass.names.added
    environ = Path(f"/proc/{server_pid(name)}/environ").read_bytes().decode(errors="replace").split("\0")
    assert not [v for v in environ if str(REPO) in v], "the repository's path reached a learner's server"
    where = as_learner(klass, name, str(VENV / "bin" / "python"), "-c", "import scratchnn; print(scratchnn.__file__)")
    assert where.stdout.startswith(str(VENV)), where


def test_fetch_submit_grade_and_feedback_end_to_end_with_grading_never_as_root(klass):
    name, hub = klass.names.added, klass.hub
    base, token = f"{hub.url}/user/{name}", klass.tokens[name]
    form = {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}
    # the server's start-up already gave the course; move it away and fetch it as the Assignments tab does
    status, _ = hub_client.request(f"{base}/api/contents/{ASSIGNMENT}", "PATCH", {"path": "course-before"}, token=token)
    assert status == 200
    status, fetched = hub_client.request(f"{base}/assignments/fetch", "POST", token=token, form=form)
    assert status == 200 and fetched["success"], fetched
    notebook = next(REPO.glob("notebooks/01_*.ipynb")).name
    status, model = hub_client.request(f"{base}/api/contents/{ASSIGNMENT}/{notebook}", token=token)
    assert status == 200
    spy = klass.uid_drop / "during-grading"
    for cell in model["content"]["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = f"import os\nopen({str(spy)!r}, 'w').write(str(os.getuid()))\n" + cell["source"]
            break
    status, _ = hub_client.request(f"{base}/api/contents/{ASSIGNMENT}/{notebook}", "PUT",
                                   {"type": "notebook", "format": "json", "content": model["content"]}, token=token)
    assert status == 200
    status, submitted = hub_client.request(f"{base}/assignments/submit", "POST", token=token, form=form)
    assert status == 200 and submitted["success"], submitted

    begun = time.monotonic()
    grade = subprocess.run(["bash", str(REPO / "classroom" / "grade")], env=klass.env, capture_output=True, text=True,
                           timeout=900)
    print(f"\nclassroom/grade, one learner: {time.monotonic() - begun:.0f} s")
    assert grade.returncode == 0, grade.stdout[-3000:] + grade.stderr[-3000:]
    grader = pwd.getpwnam(klass.names.grader)
    assert spy.read_text() == str(grader.pw_uid) != "0"        # the learner's code ran as the grader
    grades = klass.root / "grading" / "grades.csv"
    assert name in grades.read_text()
    assert grades.stat().st_uid == grader.pw_uid and stat.S_IMODE(grades.stat().st_mode) == 0o600

    status, feedback = hub_client.request(f"{base}/assignments/fetch_feedback", "POST", token=token, form=form)
    assert status == 200 and feedback["success"], feedback
    home = Path(pwd.getpwnam(name).pw_dir)
    assert list((home / ASSIGNMENT / "feedback").glob(f"*/{Path(notebook).stem}.html"))


def test_solutions_grades_submissions_and_the_hub_database_are_unreadable_by_a_learner(klass):
    learner, root = klass.names.learners[0], klass.root
    private = [next(REPO.glob("notebooks/01_*.ipynb")),
               *root.glob(f"grading/source/{ASSIGNMENT}/*.ipynb"), root / "grading" / "gradebook.db",
               root / "grading" / "grades.csv", *root.glob("grading/submitted/*/*/*.ipynb"),
               root / "hub" / "jupyterhub.sqlite", root / "hub" / "jupyterhub_cookie_secret"]
    assert len(private) >= 7 and all(p.exists() for p in private), private
    for path in private:
        read = as_learner(klass, learner, "cat", str(path))
        assert read.returncode != 0 and not read.stdout, f"a learner read {path}"
    listing = as_learner(klass, learner, "ls", str(root / "exchange" / COURSE_ID / "inbound"))
    assert listing.returncode != 0, "a learner listed the others' submissions"


def test_stopping_the_hub_leaves_no_learner_process_and_root_files_untouched(klass):
    import psutil
    took = klass.hub.stop(timeout=60)
    print(f"\nhub stop: {took:.1f} s")
    assert klass.hub.process.poll() is not None
    uids = {pwd.getpwnam(n).pw_uid for n in [*klass.names.learners, klass.names.added]}
    left = [p.info for p in psutil.process_iter(["pid", "uids", "cmdline"])
            if p.info["uids"] and p.info["uids"].real in uids]
    assert not left, left
    assert untouched(klass.secret)
