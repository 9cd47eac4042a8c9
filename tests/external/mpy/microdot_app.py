# A small Microdot app for the loopback load run: serves until /shutdown.
# Usage: micropython microdot_app.py PORT
import gc
import sys

import asyncio
from microdot import Microdot

app = Microdot()


@app.route("/")
async def index(request):
    return "Hello, world!"


@app.route("/echo", methods=["POST"])
async def echo(request):
    return request.body, 200, {"Content-Type": "application/octet-stream"}


@app.route("/shutdown")
async def shutdown(request):
    request.app.shutdown()
    return "bye"


app.run(host="127.0.0.1", port=int(sys.argv[1]))
gc.collect()
print("server stopped; mem_free", gc.mem_free())
