"""The baseline: the smallest Flask app, served by the same gunicorn settings."""

from flask import Flask, request

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
def hello():
    request.get_data()
    return {"saved": 1}
