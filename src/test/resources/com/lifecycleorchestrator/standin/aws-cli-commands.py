# Runs AWS CLI v1 commands one after another in this one Python process, as the aws command would
# run each in a process of its own: one JSON line in per command ({"args": [...]}), one JSON line
# out ({"exit": n, "stdout": "...", "stderr": "..."}). Each command gets a driver and session of
# its own, so that no option of one (such as --no-sign-request) reaches the next; they share one
# loader of botocore's service models, which is what would otherwise be read again each time.
import contextlib
import io
import json
import sys

from awscli.clidriver import create_clidriver

loader = None
answers = sys.stdout
for line in sys.stdin:
    command = json.loads(line)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            driver = create_clidriver()
            if loader is None:
                loader = driver.session.get_component("data_loader")
            else:
                driver.session.register_component("data_loader", loader)
            code = driver.main(command["args"])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 2
    answers.write(json.dumps({"exit": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}) + "\n")
    answers.flush()
