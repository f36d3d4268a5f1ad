"""Kernel-level confinement of one sample, and the bounded removal of what it wrote.

What a sample must never share with the next one lives here: a private IPC namespace
(System V shared memory, message queues, semaphores and POSIX message queues vanish
with it), a seccomp filter that refuses the kernel keyrings (a key outlives its process
and is keyed by uid) and any way back into another namespace, and a work directory that
is a tmpfs of its own with a byte and an inode bound.

This module is also executed inside the sandbox (its source is prepended to the
zygote's, after the codec), so it uses the standard library only and no
``from __future__`` import. The trusted side imports it for :func:`remove_tree`.
"""

import ctypes
import errno
import os
import platform
import stat
import struct
import time
from collections.abc import Callable

_libc = ctypes.CDLL(None, use_errno=True)

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2

# Classic BPF, as struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}.
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000

# (audit arch, {syscall: number}) per machine. Refused: the kernel keyrings, and every
# way to make, enter or rearrange namespaces and mounts (a sample that ran as root
# could otherwise rejoin the host's IPC namespace through /proc/1/ns/ipc).
_GENERIC_MOUNT_API = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
                      "fsmount": 432, "fspick": 433, "mount_setattr": 442}
_REFUSED_SYSCALLS = {
    "x86_64": (0xC000003E, {"add_key": 248, "request_key": 249, "keyctl": 250,
                            "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
                            "pivot_root": 155, **_GENERIC_MOUNT_API}),
    "aarch64": (0xC00000B7, {"add_key": 217, "request_key": 218, "keyctl": 219,
                             "unshare": 97, "setns": 268, "mount": 40, "umount2": 39,
                             "pivot_root": 41, **_GENERIC_MOUNT_API}),
}

# Bounds of a sample's private IPC namespace (files under /proc/sys, per namespace), so
# that its IPC memory is small beside the memory limit: SysV shared memory in all
# (pages), and the number of message queues (16 KiB each by default). POSIX message
# queues are bounded per uid by RLIMIT_MSGQUEUE.
_IPC_BOUNDS = ((b"/proc/sys/kernel/shmall", b"4096"), (b"/proc/sys/kernel/msgmni", b"16"))


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _fail(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


def seccomp_program(machine: str | None = None) -> bytes | None:
    """The filter for *machine* (this one by default), None where none is known."""
    known = _REFUSED_SYSCALLS.get(machine or platform.machine())
    if known is None:
        return None
    arch, numbers = known
    refused = sorted(set(numbers.values()))
    deny = 6 + len(refused)  # index of the "refuse" instruction, the last one
    program = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ_K, 1, 0, arch),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ERRNO | errno.ENOSYS),  # a foreign ABI (int 0x80)
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_BPF_JGE_K, deny - 5, 0, _X32_SYSCALL_BIT),  # the x32 ABI: refused whole
    ]
    for index, number in enumerate(refused):
        program.append((_BPF_JEQ_K, deny - (5 + index) - 1, 0, number))
    program.append((_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
    program.append((_BPF_RET_K, 0, 0, _SECCOMP_RET_ERRNO | errno.EPERM))
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


def install_seccomp(program: bytes | None = None) -> None:
    """Refuse the keyrings and namespace changes from now on, for good (after no-new-privs).

    *program* is :func:`seccomp_program`'s, made once by the caller (the zygote) so each
    child only hands it to the kernel."""
    program = program or seccomp_program()
    if program is None:
        raise OSError(errno.ENOSYS, f"no seccomp filter for {platform.machine()}")
    fprog = _SockFprog(len(program) // 8, program)
    zero = ctypes.c_ulong(0)
    if _libc.prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(fprog),
                   zero, zero) != 0:
        raise _fail("seccomp")


def private_ipc() -> None:
    """Move into a new IPC namespace and bound it; needs CAP_SYS_ADMIN (the zygote's)."""
    if _libc.unshare(_CLONE_NEWIPC) != 0:
        raise _fail("unshare(CLONE_NEWIPC)")
    # Only now, in the new namespace: the same writes before it would change the host's.
    for name, value in _IPC_BOUNDS:
        try:
            fd = os.open(name, os.O_WRONLY)
        except OSError:
            continue  # a read-only /proc/sys: the namespace is still private, only unbounded
        try:
            os.write(fd, value)
        finally:
            os.close(fd)


def can_unshare_ipc() -> bool:
    """Whether a child of this process can get a private IPC namespace (probed by a fork)."""
    return _works_in_a_child(private_ipc)


def can_filter() -> bool:
    """Whether a child of this process can install the seccomp filter (probed by a fork)."""

    def install() -> None:
        zero = ctypes.c_ulong(0)
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), zero, zero, zero) != 0:
            raise _fail("no-new-privs")
        install_seccomp()

    return seccomp_program() is not None and _works_in_a_child(install)


def _works_in_a_child(step: Callable[[], None]) -> bool:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            step()
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def private_mounts() -> None:
    """A mount namespace of this process's own, so per-sample mounts never reach the host."""
    if _libc.unshare(_CLONE_NEWNS) != 0:
        raise _fail("unshare(CLONE_NEWNS)")
    if _libc.mount(None, b"/", None, ctypes.c_ulong(_MS_REC | _MS_PRIVATE), None) != 0:
        raise _fail("mount --make-rprivate /")


def mount_tmpfs(path: str, size_bytes: int, inodes: int, uid: int | None) -> None:
    """Mount a tmpfs of at most *size_bytes* and *inodes* files at *path*, owned by *uid*."""
    options = f"size={size_bytes},nr_inodes={inodes},mode=0700"
    if uid is not None:
        options += f",uid={uid},gid={uid}"
    if _libc.mount(b"tmpfs", path.encode(), b"tmpfs", ctypes.c_ulong(_MS_NOSUID | _MS_NODEV),
                   options.encode()) != 0:
        raise _fail(f"mount tmpfs at {path}")


class CleanUpTooLong(Exception):
    """A tree could not be removed within its time budget."""


def remove_tree(name: str, dir_fd: int | None = None, deadline: float | None = None) -> None:
    """Remove *name* (in *dir_fd*) and everything below it, never following a link.

    Iterative, with one directory open at a time and the way back up taken through
    ``..``: a directory chain of any depth costs neither stack nor descriptors. Meant
    for trees nothing else is changing any more (the sample's processes are dead).
    Raises :class:`CleanUpTooLong` past *deadline* (a ``time.monotonic()`` value).
    """
    try:
        os.rmdir(name, dir_fd=dir_fd)  # the usual case: a sample's own, now empty
        return
    except NotADirectoryError:
        os.unlink(name, dir_fd=dir_fd)
        return
    except FileNotFoundError:
        return
    except OSError:
        pass  # not empty
    fd = _open_dir(name, dir_fd)
    path: list[str] = [name]
    while True:
        below = _empty_or_first_subdirectory(fd, deadline)
        if below is not None:
            child = _open_dir(below, fd)
            os.close(fd)
            fd = child
            path.append(below)
            continue
        if len(path) == 1:
            os.close(fd)
            os.rmdir(name, dir_fd=dir_fd)
            return
        parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = parent
        os.rmdir(path.pop(), dir_fd=fd)


def _open_dir(name: str, dir_fd: int | None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except PermissionError:
        # A sample may have made its directory unreadable to its (same-uid) owner.
        os.chmod(name, stat.S_IRWXU, dir_fd=dir_fd)
        return os.open(name, flags, dir_fd=dir_fd)


def _empty_or_first_subdirectory(fd: int, deadline: float | None) -> str | None:
    """Unlink every non-directory in *fd* and remove its empty subdirectories; the name
    of the first non-empty subdirectory, or None once *fd* is empty."""
    with os.scandir(fd) as entries:
        for entry in entries:
            if deadline is not None and time.monotonic() > deadline:
                raise CleanUpTooLong("removing the sample's files took too long")
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.name, dir_fd=fd)
                continue
            try:
                os.rmdir(entry.name, dir_fd=fd)
            except OSError:
                return entry.name
    return None
