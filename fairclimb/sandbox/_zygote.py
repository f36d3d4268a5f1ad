# The zygote: the long-lived process inside the sandbox that forks one child per sample.
#
# It is run as ``python -I -S -c SOURCE`` where SOURCE is _codec.py and _confine.py followed
# by this file, so it imports nothing from fairclimb and holds nothing the trusted side knows:
# no tests, no expected values. A child it forks sees only the program it runs.
#
# Control protocol (a SOCK_SEQPACKET socket to the trusted worker, its fd in argv), JSON messages:
#   worker → zygote  {"op": "run", "uid": UID, "limits": {...}}  with the sample's channel
#                                                    fd attached; UID never repeats
#                    {"op": "kill"}                  end the running sample now
#   zygote → worker  {"op": "hello", ...}            once, when ready, with what it can
#                                                    confine ("ipc", "tmpfs", "seccomp")
#                    {"op": "exit", ...}             the sample ended; everything it
#                                                    started is dead and its files gone
# Sample channel (a SOCK_STREAM socket, 4-byte big-endian length + JSON frames):
#   worker → child   ["program", SOURCE, ENTRY_POINT, PREDICTED]
#                    then ["call", SEQ, ARGS, KWARGS]…  (PREDICTED: [[ARGS, KWARGS], …],
#                    calls answered right after loading as SEQ 1, 2, …)
#   child → worker   ["ready"] | ["not_ready", STATUS, TYPE, MESSAGE]
#                    ["return", SEQ, VALUE] | ["raise", SEQ, TYPE, MESSAGE]
#                    ["unencodable", SEQ, MESSAGE]
# Every value crossing is in the codec's form; the trusted side decodes it strictly.

import contextlib
import ctypes
import errno
import gc
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import time

CONTROL_FD = 3  # where a child finds its sample channel
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_OUTPUT_KEPT = 2048  # the tail of a sample's output kept for its verdict's detail
_MSGQUEUE_BYTES = 1 << 18  # POSIX message queues, per uid (the default is 800 KiB)
_CLEAN_UP_S = 5.0
# Imported once here so that a sample's "import" is a dictionary lookup, not a
# file read and compile (typing alone would cost a child ~10 ms).
_WARM_MODULES = (
    "bisect", "collections", "copy", "fractions", "functools", "hashlib", "heapq",
    "itertools", "json", "math", "operator", "random", "re", "string", "typing",
)

_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


# ---------------------------------------------------------------- sample channel

def _send_frame(sock, message):
    data = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)


class _Frames:
    """Reads length-prefixed frames with one recv per frame in the usual case."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()

    def read(self):
        buffer = self.buffer
        while True:
            if len(buffer) >= 4:
                end = 4 + int.from_bytes(buffer[:4], "big")
                if len(buffer) >= end:
                    body = bytes(buffer[4:end])
                    del buffer[:end]
                    return json.loads(body)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            buffer += chunk


# ---------------------------------------------------------------- the child

def _child(channel_fd, out_w, workdir, limits, confines, seccomp):
    """Runs in the forked child: confine, load the program, answer calls. Never returns."""
    try:
        _confine(channel_fd, out_w, workdir, limits, confines, seccomp)
    except BaseException as exc:  # confinement failed: refuse to run anything
        try:
            os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
        finally:
            os._exit(70)
    if limits.get("language") == "javascript":
        _exec_node(limits)
    channel = socket.socket(fileno=CONTROL_FD)
    code = 0
    try:
        _serve(channel)
    except BaseException:
        code = 1
    os._exit(code)


def _confine(channel_fd, out_w, workdir, limits, confines, seccomp):
    os.setsid()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    # stdout and stderr share one pipe: the zygote keeps the head and counts the rest.
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    os.dup2(channel_fd, CONTROL_FD)
    # Nothing else may be inherited: not the control socket, not another sample's pipes.
    os.closerange(CONTROL_FD + 1, 1 << 16)
    os.chdir(workdir)
    cpu = max(1, int(limits["cpu_s"] + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    _limit_memory(limits)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    hard = resource.getrlimit(resource.RLIMIT_MSGQUEUE)[1]
    if hard == resource.RLIM_INFINITY or hard > _MSGQUEUE_BYTES:
        hard = _MSGQUEUE_BYTES
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (hard, hard))
    if confines["ipc"]:
        # While still privileged: a namespace of its own, so no IPC object a sample makes
        # outlives it or reaches the next one.
        private_ipc()
    uid = limits.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    # After the uid change, so the limit counts the sample's own processes only
    # (root is exempt from RLIMIT_NPROC).
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    if seccomp is not None:
        install_seccomp(seccomp)  # no keyrings, no way into another namespace, from here on
    # Set after the uid change, which clears it.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir,
                       "TMPDIR": workdir, "LANG": "C.UTF-8"})


def _limit_memory(limits):
    if limits.get("language") != "javascript":
        resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"],) * 2)
        return
    # V8 reserves gigabytes of address space it never touches, so an address-space
    # limit stops Node from starting at all. RLIMIT_DATA counts only writable private
    # memory, which is what a sample can really fill (heap, buffers, stacks).
    resource.setrlimit(resource.RLIMIT_DATA, (limits["memory_bytes"],) * 2)


def _exec_node(limits):
    """Replace the confined child by Node running the runner (JavaScript samples)."""
    # V8's own heap limit, below the data limit, so that most memory bombs end as a
    # clean "heap out of memory" rather than a failed allocation somewhere in Node.
    heap_mb = max(16, limits["memory_bytes"] * 3 // 4 >> 20)
    node = limits["node"]
    try:
        os.execv(node, [node, f"--max-old-space-size={heap_mb}", "--stack-size=984",
                        "-e", _NODE_RUNNER])
    except OSError as exc:
        os.write(2, f"cannot start Node.js at {node}: {exc}\n".encode())
        os._exit(71)


def _describe(exc):
    return [type(exc).__name__, str(exc)[:1000]]


def _status_of(exc):
    return "memory" if isinstance(exc, MemoryError) else "error"


def _serve(channel):
    frames = _Frames(channel)
    first = frames.read()
    if not first or first[0] != "program":
        return
    _, source, entry_point, predicted = first
    try:
        code = compile(source, "<candidate>", "exec")
    except (SyntaxError, ValueError) as exc:
        _send_frame(channel, ["not_ready", "invalid", *_describe(exc)])
        return
    namespace = {"__name__": "candidate", "__builtins__": __builtins__}
    try:
        exec(code, namespace)
    except BaseException as exc:
        _send_frame(channel, ["not_ready", _status_of(exc), *_describe(exc)])
        return
    function = namespace.get(entry_point)
    if not callable(function):
        message = f"the program does not define a function named {entry_point!r}"
        _send_frame(channel, ["not_ready", "invalid", "NameError", message])
        return
    _send_frame(channel, ["ready"])
    # Calls the trusted side predicted are answered at once, in order, numbered from 1;
    # the trusted side uses each answer only if the tests really make that call.
    for seq, (args, kwargs) in enumerate(predicted, start=1):
        _answer(channel, function, seq, args, kwargs)
    while True:
        frame = frames.read()
        if frame is None:
            return
        _, seq, args, kwargs = frame
        _answer(channel, function, seq, args, kwargs)


def _answer(channel, function, seq, args, kwargs):
    try:
        result = function(*decode_value(args), **decode_value(kwargs))
    except BaseException as exc:
        _send_frame(channel, ["raise", seq, *_describe(exc)])
        return
    try:
        encoded = encode_value(result)
    except (CodecError, RecursionError) as exc:
        _send_frame(channel, ["unencodable", seq, str(exc)])
        return
    _send_frame(channel, ["return", seq, encoded])


# ---------------------------------------------------------------- the zygote

class Zygote:
    def __init__(self, control, base_dir, separate_uid, confines):
        self.control = control
        self.base_dir = base_dir
        self.separate_uid = separate_uid
        self.confines = confines
        self.seccomp = seccomp_program() if confines["seccomp"] else None
        self.pid = os.getpid()
        self.children_file = f"/proc/{self.pid}/task/{self.pid}/children"
        info = os.stat(base_dir, follow_symlinks=False)
        self.base_identity = (info.st_dev, info.st_ino)
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ, "control")

    def serve(self):
        _send_control(self.control, {"op": "hello", "pid": self.pid,
                                     "separate_uid": self.separate_uid, **self.confines})
        while True:
            message, fds = _recv_control(self.control)
            if message is None:
                return
            if message["op"] == "run" and len(fds) == 1:
                limits = message["limits"]
                if limits.get("uid") is not None:
                    limits = {**limits, "uid": int(message["uid"])}
                self.run(fds[0], limits)
            else:
                for fd in fds:
                    os.close(fd)

    def run(self, channel_fd, limits):
        # An unguessable name: a sample cannot prepare the next sample's directory.
        workdir = os.path.join(self.base_dir, "s" + os.urandom(8).hex())
        os.mkdir(workdir, 0o700)
        uid = limits.get("uid")
        if uid is not None:
            os.chown(workdir, uid, uid)
        out_r, out_w = os.pipe()
        before = _cpu_of_children()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(channel_fd, out_w, workdir, limits, self.confines, self.seccomp)
        os.close(channel_fd)
        os.close(out_w)
        report = self.watch(pid, out_r, limits, started)
        try:
            report.update(self.clean_up(uid))
        except BaseException:
            os._exit(77)  # cannot clean: die, so the sandbox tears everything down
        # Every process of the sample, leftovers included, is reaped by now: the CPU of
        # the whole tree is what this zygote's children used since the fork.
        report["cpu_s"] = _cpu_of_children() - before
        _send_control(self.control, report)

    def watch(self, pid, out_r, limits, started):
        """Wait for the child while draining its output and obeying "kill"."""
        pidfd = os.pidfd_open(pid)
        selector = self.selector
        selector.register(pidfd, selectors.EVENT_READ, "exit")
        selector.register(out_r, selectors.EVENT_READ, "output")
        os.set_blocking(out_r, False)
        kept = bytearray()
        size = 0
        deadline = started + limits["hard_wall_s"]
        killed_for = None
        exited = False
        while not exited:
            events = selector.select(max(0.0, deadline - time.monotonic()))
            if not events and killed_for is None:
                killed_for = "wall"
                _kill(pid)
                deadline = time.monotonic() + 60
            for key, _ in events:
                if key.data == "exit":
                    exited = True
                elif key.data == "control":
                    message, fds = _recv_control(self.control)
                    for fd in fds:
                        os.close(fd)
                    if message is None:
                        _kill(pid)
                        os._exit(0)
                    if killed_for is None:
                        killed_for = "request"
                        _kill(pid)
                    deadline = time.monotonic() + 60
                else:
                    chunk = _read_some(out_r)
                    if chunk is None:
                        continue
                    if not chunk:
                        selector.unregister(out_r)
                        continue
                    # What a program prints is no part of its verdict: only the tail is
                    # kept, for the detail, and the rest dropped as it comes.
                    size += len(chunk)
                    kept += chunk[-_OUTPUT_KEPT:]
                    del kept[:-_OUTPUT_KEPT]
        _, status, usage = os.wait4(pid, 0)
        selector.unregister(pidfd)
        if out_r in selector.get_map():
            selector.unregister(out_r)
        os.close(pidfd)
        os.close(out_r)
        return {
            "op": "exit",
            "exit_code": os.waitstatus_to_exitcode(status),
            "killed_for": killed_for,
            "max_rss_kb": usage.ru_maxrss,
            "uid": limits.get("uid"),
            "wall_s": time.monotonic() - started,
            "output": kept.decode("utf-8", "replace"),
            "output_bytes": size,
        }

    def clean_up(self, uid):
        """Kill everything the sample left running, then remove every file it made."""
        leftovers = 0
        deadline = time.monotonic() + _CLEAN_UP_S
        while True:
            found = self.kill_leftovers(uid)
            if not found:
                break
            leftovers += found
            if time.monotonic() > deadline:
                os._exit(75)  # cannot clean: die, so the sandbox tears everything down
            time.sleep(0.001)
        # Empty the whole base directory, not only the sample's own: whatever a sample
        # managed to leave anywhere writable must not reach the next one. The directory
        # is opened without following links and checked to be the one we made, so a
        # sample that could swap it for a link cannot make the zygote delete elsewhere.
        base = os.open(self.base_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            info = os.fstat(base)
            if (info.st_dev, info.st_ino) != self.base_identity:
                os._exit(76)
            for name in os.listdir(base):
                remove_tree(name, base, deadline)
        finally:
            os.close(base)
        return {"leftover_processes": leftovers}

    def kill_leftovers(self, uid):
        """Kill and reap what the sample left; the number found (0: nothing is left).

        As a subreaper the zygote inherits every orphan of the sample, so once the
        sample's own process is reaped, the zygote's children are exactly its leftovers.
        A tree is killed level by level as its parents die and it is re-parented here;
        the caller repeats until a round finds nothing.
        """
        found = 0
        if uid is not None:
            # kill(-1) under the sample's uid signals every process of that uid at once,
            # which a fork flood cannot outrun; the saved uid 0 lets us switch back.
            os.setresuid(uid, uid, 0)
            try:
                os.kill(-1, signal.SIGKILL)
                found += 1
            except ProcessLookupError:
                pass
            finally:
                os.setresuid(0, 0, 0)
            if not found:
                # Not even a zombie of that uid exists, and the sample cannot change uid
                # (no privileges, no setuid binaries): nothing of it is left.
                return 0
        for pid in self.children():
            _kill(pid)
            found += 1
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        return found

    def children(self):
        try:
            with open(self.children_file) as handle:
                return [int(pid) for pid in handle.read().split()]
        except FileNotFoundError:
            return _children_by_scan(self.pid)


def _children_by_scan(parent):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(name))
    return found


def _kill(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _read_some(fd):
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _send_control(sock, message, fds=()):
    socket.send_fds(sock, [json.dumps(message).encode()], list(fds))


def _recv_control(sock):
    try:
        data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
    except OSError as exc:
        if exc.errno in (errno.ECONNRESET, errno.EBADF):
            return None, []
        raise
    if not data:
        return None, []
    return json.loads(data), fds


def _cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _confinement(base_dir, disk_bytes, disk_files):
    """What this zygote can confine samples with, probed once at start."""
    try:
        # The samples' directories live in a tmpfs bounded in bytes and files, which
        # the zygote empties after every sample, so each starts with the whole bound
        # and none can fill host memory. Mounted in a mount namespace of the zygote's
        # own: under the rlimits backend the host never sees it.
        private_mounts()
        mount_tmpfs(base_dir, disk_bytes, disk_files, None)
        tmpfs = True
    except OSError:
        tmpfs = False
    return {"ipc": can_unshare_ipc(), "tmpfs": tmpfs, "seccomp": can_filter()}


def _warm_up():
    """Do once here what every child would otherwise do first, each on its own.

    ``compile`` creates CPython's ~120 AST node types on its first call in a process
    (``init_types``): a child forked from a zygote that never compiled paid that, about
    2 ms, before compiling its program. Decoding and encoding a frame and resolving the
    C functions the children call (``unshare``, ``prctl``) are likewise one-off costs.
    Nothing here runs a sample's code: it is the zygote's own source, so no sample sees
    another's trace.
    """
    code = compile("def f(x):\n    return x\n", "<warm-up>", "exec")
    namespace = {}
    exec(code, namespace)
    encode_value(namespace["f"](decode_value(encode_value([1, "a", (2.5, None)]))))
    json.loads(json.dumps(["call", 1, [], {}], separators=(",", ":"), allow_nan=False))
    for name in ("unshare", "prctl", "setgroups"):
        getattr(_libc, name, None)


def main():
    base_dir, separate_uid, control_fd = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
    disk_bytes, disk_files = int(sys.argv[4]), int(sys.argv[5])
    confines = _confinement(base_dir, disk_bytes, disk_files)
    # Samples may write only inside their own directory; the base is the zygote's.
    os.chmod(base_dir, 0o711)
    for name in _WARM_MODULES:
        __import__(name)
    _warm_up()
    # Objects that exist now are never collected; freezing them keeps the collector
    # from touching (and so copying) their pages in every forked child.
    gc.freeze()
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    control = socket.socket(fileno=control_fd)
    Zygote(control, base_dir, separate_uid, confines).serve()


if __name__ == "__main__":
    main()
