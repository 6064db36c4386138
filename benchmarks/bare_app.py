"""The baseline: one FastAPI endpoint with nothing behind it, served exactly like the API."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
