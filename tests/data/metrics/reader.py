#!/usr/bin/python3
"""Set this process's comm to argv[1], then read(2) from /dev/zero on fd 97 once per size
given (argv[2:]): the reads tests/data/metrics/readsize.bpf.c counts."""
import ctypes
import os
import sys

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_NAME, sys.argv[1].encode(), 0, 0, 0):
    sys.exit("prctl(PR_SET_NAME) failed")
fd = os.open("/dev/zero", os.O_RDONLY)
os.dup2(fd, 97)
for n in sys.argv[2:]:
    got = len(os.read(97, int(n)))
    if got != int(n):
        sys.exit(f"read {got} bytes, not {n}")
