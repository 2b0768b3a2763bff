"""The ceiling: the smallest Flask app, served by the same gunicorn settings as the product."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
