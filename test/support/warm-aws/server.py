"""The AWS CLI, started once per test process and forked for each call.

`aws` spends most of its run time importing botocore and the CLI's plugins and parsing the same
JSON models before it sends one request. This process does that once, then serves each call of
the client (client.py, which the tests run as `aws`) in a child forked for it: the child takes
the caller's arguments, environment, working directory and standard streams, and runs the CLI's
own entry point, `awscli.clidriver.main()`, as the `aws` script does. Nothing of one call is
left for the next: each runs in a process of its own that ends with it.

Usage: python3 server.py SOCKET_PATH
"""
import importlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
import traceback

import awscli
import awscli.clidriver
import botocore.hooks
import botocore.loaders


def keep_answers(original, key_of, copy=lambda answer: answer):
    """`original`, answering each key once in this process: the answers are shared with every
    child (copy on write), which would otherwise work each out again. `key_of` takes the call's
    arguments and gives None for a call whose answer is not to be kept."""
    answers = {}

    def kept(*args, **kwargs):
        key = key_of(*args, **kwargs)
        try:
            hash(key)
        except TypeError:
            key = None
        if key is None:
            return original(*args, **kwargs)
        if key not in answers:
            answers[key] = original(*args, **kwargs)
        return copy(answers[key])

    return kept


# What every call would work out again, though it depends only on its arguments: the JSON models
# and endpoint data (parsed from the same files), which services a data path holds (a scan of
# hundreds of directories), the latest API version of one, whether an event handler takes **kwargs
# (inspect.getfullargspec, for each of the CLI's 370-odd handlers) and what an event is called
# under botocore's own aliases.
Loader = botocore.loaders.Loader
Loader.list_available_services = keep_answers(
    Loader.list_available_services, lambda self, type_name: (tuple(self.search_paths), type_name), copy=list
)
Loader.determine_latest_version = keep_answers(
    Loader.determine_latest_version, lambda self, service, type_name: (tuple(self.search_paths), service, type_name)
)
botocore.loaders.JSONFileLoader.load_file = keep_answers(botocore.loaders.JSONFileLoader.load_file, lambda self, file_path, *rest, **options: file_path)
botocore.hooks.accepts_kwargs = keep_answers(botocore.hooks.accepts_kwargs, lambda func: getattr(func, '__func__', func))
EventAliaser = botocore.hooks.EventAliaser
EventAliaser._alias_event_name = keep_answers(
    EventAliaser._alias_event_name,
    lambda self, event_name: event_name if self._event_aliases is botocore.hooks.EVENT_ALIASES else None,
)

MAX_HEADER = 1 << 20


def run_cli(argv):
    """What the `aws` script does, in this process; returns the exit status."""
    if os.environ.get('LC_CTYPE', '') == 'UTF-8':
        os.environ['LC_CTYPE'] = 'en_US.UTF-8'
    sys.argv = ['aws', *argv]
    try:
        status = awscli.clidriver.main()
    except SystemExit as stop:
        status = stop.code
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    return status


def warm_up():
    """One call of every kind the tests make, answered by nobody, so that the modules a call
    imports on its way and the models it reads are in this process before the first fork."""
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    null = os.open(os.devnull, os.O_WRONLY)
    environ = dict(os.environ)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.environ.update(AWS_ACCESS_KEY_ID='warm-up', AWS_SECRET_ACCESS_KEY='warm-up', AWS_MAX_ATTEMPTS='1',
                          AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        for service, operation in (('kms', 'list-keys'), ('cloudhsmv2', 'describe-clusters'), ('cloudtrail', 'lookup-events')):
            # Port 9 (discard) on loopback: refused at once, which is all a warm-up needs.
            run_cli([service, operation, '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1', '--output', 'json'])
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os.environ.clear()
        os.environ.update(environ)
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)


def standard_streams(environ):
    """Text streams over fds 0-2 as Python makes them at start-up, for the caller's streams."""
    encoding = environ.get('PYTHONIOENCODING', '').split(':')[0] or sys.stdout.encoding
    sys.stdin = open(0, 'r', encoding=encoding, closefd=False)
    sys.stdout = open(1, 'w', buffering=1 if os.isatty(1) else -1, encoding=encoding, closefd=False)
    sys.stderr = open(2, 'w', buffering=1, encoding=encoding, errors='backslashreplace', closefd=False)


def serve_call(conn, header, fds):
    """In the forked child: become the caller's `aws` process and run the CLI."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    conn.close()
    request = json.loads(header)
    os.environ.clear()
    os.environ.update(request['env'])
    # Importing awscli puts its data directory in AWS_DATA_PATH (after the caller's own, if any);
    # the caller's environment has to get it the same way.
    importlib.reload(awscli)
    try:
        os.chdir(request['cwd'])
    except OSError:
        pass
    standard_streams(os.environ)
    status = 1
    try:
        status = run_cli(request['argv'])
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status & 0xFF)


def read_call(conn):
    """The length-prefixed JSON request and the caller's three standard fds, or None."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    if len(data) < 4 or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return None
    (length,) = struct.unpack('>I', data[:4])
    if length > MAX_HEADER:
        for fd in fds:
            os.close(fd)
        return None
    body = data[4:]
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            for fd in fds:
                os.close(fd)
            return None
        body += chunk
    return body, fds


def main():
    path = sys.argv[1]
    parent = os.getppid()
    warm_up()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + '.tmp')
    os.rename(path + '.tmp', path)
    listener.listen(64)
    listener.setblocking(False)

    # A child's exit wakes the loop through this pipe.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, 'accept')
    selector.register(wake_r, selectors.EVENT_READ, 'wake')
    children = {}  # pid -> the caller's connection

    while True:
        for key, _events in selector.select(timeout=1.0):
            if key.data == 'accept':
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(True)
                conn.settimeout(5)
                try:
                    call = read_call(conn)
                except OSError:
                    call = None
                if call is None:
                    conn.close()
                    continue
                header, fds = call
                pid = os.fork()
                if pid == 0:
                    try:
                        signal.set_wakeup_fd(-1)
                        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                        selector.close()
                        listener.close()
                        serve_call(conn, header, fds)
                    except BaseException:
                        traceback.print_exc()
                    finally:
                        os._exit(255)
                for fd in fds:
                    os.close(fd)
                conn.setblocking(False)
                children[pid] = conn
                selector.register(conn, selectors.EVENT_READ, pid)
            elif key.data == 'wake':
                os.read(wake_r, 4096)
            else:
                # The caller went away (killed by its test, say): so does its call.
                pid = key.data
                try:
                    if not key.fileobj.recv(1):
                        os.kill(pid, signal.SIGKILL)
                except (BlockingIOError, ProcessLookupError):
                    pass
                except OSError:
                    os.kill(pid, signal.SIGKILL)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is None:
                continue
            selector.unregister(conn)
            code = os.waitstatus_to_exitcode(status)
            try:
                conn.setblocking(True)
                conn.sendall(struct.pack('>i', code))
            except OSError:
                pass
            conn.close()
        if os.getppid() != parent:
            break


if __name__ == '__main__':
    main()
