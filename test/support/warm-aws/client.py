# The `aws` the tests run: hands its arguments, environment, working directory and standard
# streams to the AWS CLI that server.py keeps started, and exits as that call did. When that
# process is not there (yet), it runs the AWS CLI itself. The first two lines are written by
# test/support/tools.ts: SOCKET and REAL_AWS.
#
# It runs once per AWS CLI call, thousands of times a suite, so it imports only modules built
# into the interpreter: `json` and `socket` would pull in `re` and `enum` and triple its start-up.
import os
import sys
from _json import encode_basestring_ascii as quote
from _signal import SIG_DFL, signal
from _socket import AF_UNIX, SCM_RIGHTS, SOCK_STREAM, SOL_SOCKET, socket
from _struct import pack, unpack


def run_here():
    os.execv(REAL_AWS, [REAL_AWS, *sys.argv[1:]])


def header():
    """The call as JSON, every string ASCII-escaped (as json.dumps does) so that any bytes survive."""
    argv = ','.join(quote(a) for a in sys.argv[1:])
    env = ','.join(f'{quote(k)}:{quote(v)}' for k, v in os.environ.items())
    return f'{{"argv":[{argv}],"env":{{{env}}},"cwd":{quote(os.getcwd())}}}'.encode('ascii')


def main():
    conn = socket(AF_UNIX, SOCK_STREAM)
    try:
        conn.connect(SOCKET)
    except OSError:
        run_here()
    body = header()
    conn.sendmsg([pack('>I', len(body)) + body], [(SOL_SOCKET, SCM_RIGHTS, pack('3i', 0, 1, 2))])
    reply = b''
    while len(reply) < 4:
        chunk = conn.recv(4 - len(reply))
        if not chunk:
            sys.stderr.write('aws: the AWS CLI process of the tests went away\n')
            sys.exit(255)
        reply += chunk
    (code,) = unpack('>i', reply)
    if code < 0:
        signal(-code, SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


main()
