"""The ceilings every benchmark figure is compared with, served under the same gunicorn
settings as the platform: a bare WSGI hello and a Flask app answering a small JSON body."""

from flask import Flask, jsonify


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


flask_json = Flask("ceiling")


@flask_json.get("/")
def small_json():
    return jsonify(items=[{"id": "7b7a3c1e", "status": "submitted", "title": "Boligstøtte"}])
