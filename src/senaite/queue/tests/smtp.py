# -*- coding: utf-8 -*-
"""A real SMTP server on a free local port, in a thread of the test process, that keeps the
messages it receives: the site's MailHost sends to it as to a lab's mail server."""

import threading

from six.moves import socketserver


class Session(socketserver.StreamRequestHandler):
    """One client's session: just enough of SMTP for ``smtplib``, no TLS, no login."""

    def reply(self, line):
        self.wfile.write(line + b"\r\n")

    def handle(self):
        self.reply(b"220 localhost")
        for line in iter(self.rfile.readline, b""):
            command = line[:4].upper()
            if command == b"DATA":
                self.reply(b"354 End data with <CR><LF>.<CR><LF>")
                self.receive()
            elif command == b"QUIT":
                self.reply(b"221 Bye")
                return
            else:
                # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self.reply(b"250 localhost")

    def receive(self):
        """Keep the message, up to the line with a single dot, dots unstuffed; then say so."""
        lines = []
        for line in iter(self.rfile.readline, b""):
            if line.rstrip(b"\r\n") == b".":
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        self.server.messages.append(b"".join(lines))
        self.reply(b"250 OK")


class SMTPServer(socketserver.TCPServer):
    """``messages``: what it received, in order. ``start`` and ``stop`` it. One session at a
    time, in its own thread: a mailer's sessions follow one another."""

    allow_reuse_address = True

    def __init__(self):
        socketserver.TCPServer.__init__(self, ("127.0.0.1", 0), Session)
        self.messages = []
        self.thread = None

    @property
    def port(self):
        return self.server_address[1]

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever,
                                       kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join()
