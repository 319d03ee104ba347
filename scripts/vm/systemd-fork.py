# fork up to 10 children that sleep, report how many forks worked
import os, signal, time
kids = []
try:
    for i in range(10):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        kids.append(pid)
except OSError as e:
    print("fork: %s" % e.strerror)
print("forked %d" % len(kids))
for pid in kids:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
