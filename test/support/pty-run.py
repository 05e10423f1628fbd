# Runs a command on a pseudo-terminal and answers its password prompts, one answer per prompt
# (`enter password…` / `… again:`), then prints what the terminal showed and exits with the
# command's code. For tests of the CLI's terminal prompt.
import os, pty, sys, json

answers = json.loads(sys.argv[1])
cmd = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen = b''
pending = b''
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    pending += data
    if (b'password' in pending and pending.rstrip().endswith(b':')) and answers:
        os.write(fd, (answers.pop(0) + '\r').encode())
        pending = b''
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
