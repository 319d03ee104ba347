# a busy loop for 3 s of wall-clock time; prints its share of one CPU
import time
w0, c0 = time.monotonic(), time.process_time()
while time.monotonic() - w0 < 3:
    pass
print("share %.3f" % ((time.process_time() - c0) / (time.monotonic() - w0)))
