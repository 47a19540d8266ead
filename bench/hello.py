"""The ceiling for the gateway benchmark: the least a WSGI app under gunicorn can do."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]
