"""How long does ``classroom/grade`` take for a class? As root, with real accounts (removed after).

Prepares a class folder as ``classroom/start`` does (``classroom/prepare.py start``, no hub),
makes LEARNERS accounts, and each learner, as themselves, fetches the course and submits it through
nbgrader's exchange (what the Assignments tab runs): half of them the teacher's notebooks (full
marks), half the untouched student version. Then it times ``classroom/grade`` (collect,
autograde each learner as the grader, CSV, feedback) and prints the grades. Not part of CI.

    python benchmarks/class_grade.py                       # 10 learners, notebooks 01 04 05
    python benchmarks/class_grade.py --learners 4 --notebooks 01
"""
from __future__ import annotations

import argparse
import csv
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "classroom"))
import hub_client  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--learners", type=int, default=10)
    ap.add_argument("--notebooks", default="01 04 05", help="SCRATCHNN_NOTEBOOKS for the class")
    ap.add_argument("--venv", default=os.environ.get("SCRATCHNN_VENV", "/opt/scratchnn/venv"))
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("class_grade: run it as root (it makes accounts)")
    tag = secrets.token_hex(2)
    root = Path(tempfile.mkdtemp(prefix="scratchnn-grade-", dir="/tmp"))
    os.chmod(root, 0o755)
    env = {**os.environ, "SCRATCHNN_CLASSROOM": str(root), "SCRATCHNN_VENV": args.venv,
           "SCRATCHNN_TEACHER": f"snb{tag}t", "SCRATCHNN_GRADER": f"snb{tag}g", "SCRATCHNN_NOTEBOOKS": args.notebooks}
    accounts = hub_client.Accounts()
    try:
        accounts.add(env["SCRATCHNN_TEACHER"])
        accounts.adopt(env["SCRATCHNN_GRADER"])
        learners = [accounts.add(f"snb{tag}l{i}") for i in range(args.learners)]
        subprocess.run([f"{args.venv}/bin/python", str(ROOT / "classroom" / "prepare.py"), "start"], env=env,
                       check=True, timeout=900)
        nbgrader = f"{args.venv}/bin/nbgrader"
        config = root / "shared" / "jupyter"
        for i, name in enumerate(learners):
            home = Path(pwd.getpwnam(name).pw_dir)
            learner_env = ["env", f"HOME={home}", f"JUPYTER_CONFIG_PATH={config}",
                           f"PATH={args.venv}/bin:/usr/bin:/bin"]
            accounts.run(name, [*learner_env, nbgrader, "fetch_assignment", "scratchnn-course"]).check_returncode()
            if i % 2 == 0:   # the teacher's answers (read by root: learners cannot read the repository): full marks
                for path in (home / "scratchnn-course").glob("*.ipynb"):
                    answers = (ROOT / "notebooks" / path.name).read_text()
                    accounts.run(name, ["tee", str(path)], input=answers).check_returncode()
            accounts.run(name, [*learner_env, nbgrader, "submit", "scratchnn-course"]).check_returncode()
        begun = time.monotonic()
        subprocess.run(["bash", str(ROOT / "classroom" / "grade")], env=env, check=True, timeout=3600)
        took = time.monotonic() - begun
        with open(root / "grading" / "grades.csv") as f:
            rows = [r for r in csv.DictReader(f)]
        scores = sorted((r["student_id"], float(r["score"]), float(r["max_score"])) for r in rows)
        print(f"classroom/grade: {len(learners)} learners x notebooks {args.notebooks}: {took:.0f} s "
              f"({took / len(learners):.1f} s per learner)")
        for name, score, most in scores:
            print(f"  {name}: {score:g} / {most:g}")
    finally:
        accounts.remove()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
