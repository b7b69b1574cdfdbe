# The `aws` the tests run: hands its arguments, environment, working directory and standard
# streams to the AWS CLI that server.py keeps started, and exits as that call did. When that
# process is not there (yet), it runs the AWS CLI itself. The first two lines are written by
# test/support/tools.ts: SOCKET and REAL_AWS.
import json
import os
import signal
import socket
import struct
import sys


def run_here():
    os.execv(REAL_AWS, [REAL_AWS, *sys.argv[1:]])


def main():
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(SOCKET)
    except OSError:
        run_here()
    header = json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ), 'cwd': os.getcwd()}).encode('utf-8', 'surrogatepass')
    socket.send_fds(conn, [struct.pack('>I', len(header)) + header], [0, 1, 2])
    reply = b''
    while len(reply) < 4:
        chunk = conn.recv(4 - len(reply))
        if not chunk:
            sys.stderr.write('aws: the AWS CLI process of the tests went away\n')
            sys.exit(255)
        reply += chunk
    (code,) = struct.unpack('>i', reply)
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


main()
