"""The baseline every figure of `make bench` is divided by: a bare Flask app saying
"hello", served with the same gunicorn command and configuration as Convene."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
