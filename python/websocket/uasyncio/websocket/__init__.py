# uasyncio.websocket: see server.py
