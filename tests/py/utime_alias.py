# `import utime` finds the port's `time` (MicroPython's u-prefix alias of
# extensible modules), also where uaio provides `time` itself (qemu boards).
import time
import utime

print(utime is time)
print(utime.ticks_diff(utime.ticks_add(5, 3), 5))
