"""The web application: explorer page, HTTP API (OpenAPI description at ``/openapi.json``).

Endpoints:
    GET  /                      the explorer page (static files under ``/static``, no CDN)
    GET  /health                ``{"status": "ok", "model": ...}``
    GET  /api/model             the model's classes, their training ranges (K, mag, days), card
    GET  /api/cadences          the cadence library
    GET  /api/reference/{class} the class's real distribution (training physics, OGLE-III Fourier)
    POST /api/generate          light curves: JSON (small requests), Parquet, CSV or ECSV (streamed)
    POST /api/infer             class probabilities and physics quantiles of a light curve (JSON arrays)
    POST /api/infer/file        the same of a light-curve file posted as the body (?name=star.dat&band=I)

A refused request gets ``{"detail": message, "field": name}`` with 404, 413, 422 or 429.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, BinaryIO, cast

import anyio
import anyio.to_thread
import pyarrow as pa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from varsynth.generation.writers import stream_writer
from varsynth.server.limits import Limits
from varsynth.server.schemas import GenerateParams, InferParams
from varsynth.server.service import Prepared, RequestError, Service

__all__ = ["create_app"]

log = logging.getLogger("varsynth.server")

_MEDIA = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv", "ecsv": "text/plain"}


class _Busy(RequestError):
    def __init__(self, message: str) -> None:
        super().__init__(429, None, message)


class _Slots:
    """At most ``workers`` requests computing at once, ``max_queue`` waiting, each at most ``wait`` s."""

    def __init__(self, limits: Limits, workers: int) -> None:
        self._sem = asyncio.Semaphore(workers)
        self._limits = limits
        self.waiting = 0

    async def acquire(self) -> None:
        if self._sem.locked() and self.waiting >= self._limits.max_queue:
            raise _Busy(f"the service is busy ({self.waiting} requests waiting); retry later")
        self.waiting += 1
        try:
            await asyncio.wait_for(self._sem.acquire(), self._limits.queue_seconds)
        except TimeoutError:
            raise _Busy(f"no worker became free within {self._limits.queue_seconds:g} s; retry later") from None
        finally:
            self.waiting -= 1

    def release(self) -> None:
        self._sem.release()


class _BodyLimit:
    """ASGI middleware: a request body past ``max_bytes`` gets 413 (declared or counted)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"the request body is larger than {self.max_bytes} bytes", "field": "body"}, status_code=413
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class _Chunks(io.RawIOBase):
    """A write-only file object whose bytes are taken out as they come (a response body)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


def _libc() -> Any:
    """glibc, or ``None`` elsewhere (then the allocator is left as it is)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


#: glibc's ``mallopt`` parameter of the most malloc arenas.
_M_ARENA_MAX = -8


def _few_arenas(n: int) -> None:
    """At most ``n`` glibc malloc arenas: each worker thread's arena otherwise keeps the freed
    memory of its largest request, and the service's memory grows with the threads it ran."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, n)


def _give_back_memory() -> None:
    """Return freed heap memory to the system (after a large request)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _error(err: RequestError) -> JSONResponse:
    return JSONResponse({"detail": err.message, "field": err.field}, status_code=err.status)


def _request_error(request: Request, exc: RequestError) -> JSONResponse:
    return _error(exc)


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    field = loc[0] if loc else None
    where = ".".join(loc) or "body"
    return JSONResponse(
        {
            "detail": f"{where}: {first.get('msg')}",
            "field": field,
            "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors],
        },
        status_code=422,
    )


def _static_dir() -> str:
    return str(resources.files("varsynth.server").joinpath("static"))


def create_app(model: str = "default", limits: Limits | None = None) -> FastAPI:
    """The application; the model (``default`` or a bundle / run folder) loads at start-up."""
    limits = limits or Limits()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import torch

        from varsynth.generation.model import load_model

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // limits.workers))
        _few_arenas(2)
        app.state.service = await anyio.to_thread.run_sync(Service, load_model(model), limits)
        await anyio.to_thread.run_sync(app.state.service.warm_up)
        app.state.slots = _Slots(limits, limits.workers)
        app.state.stream_slots = _Slots(limits, limits.stream_workers)
        # the model runs on these threads only, which live as long as the service: torch's and the
        # allocator's per-thread buffers stay with them instead of piling up with each new thread
        app.state.pool = ThreadPoolExecutor(
            limits.workers + limits.stream_workers, thread_name_prefix="varsynth-worker"
        )
        log.info("model %s loaded; %d workers", app.state.service.model.name, limits.workers)
        yield
        app.state.pool.shutdown(wait=False, cancel_futures=True)

    # no /docs or /redoc: FastAPI's pages load their scripts from a CDN, and the service works offline
    app = FastAPI(
        title="varsynth",
        summary="Light curves of periodic variable stars from class, physics and cadence",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    # Starlette's hint wants a handler of any Exception, though it calls each handler only with the class it
    # is registered for (Starlette issue #2417: Callable parameters are contravariant): hence the two ignores
    app.add_exception_handler(RequestError, _request_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_middleware(_BodyLimit, max_bytes=limits.max_body_bytes)

    @app.middleware("http")
    async def log_request(request: Request, call_next: Any) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        log.info(
            "%s %s %d %.1f ms",
            request.method,
            request.url.path,
            response.status_code,
            1000 * (time.perf_counter() - start),
        )
        return response

    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")
    _routes(app)
    return app


def _routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(os.path.join(_static_dir(), "index.html"))

    @app.get("/health", summary="liveness and the loaded model")
    async def health(request: Request) -> dict[str, Any]:
        service: Service = request.app.state.service
        return {"status": "ok", "model": service.model.name, "waiting": request.app.state.slots.waiting}

    @app.get("/api/model", summary="the model's classes, subtypes, training ranges (K, mag, days) and card")
    async def model_info(request: Request) -> dict[str, Any]:
        return request.app.state.service.info

    @app.get("/api/cadences", summary="the cadence library (names, surveys, bands, options)")
    async def cadences(request: Request) -> list[dict[str, Any]]:
        return request.app.state.service.cadences()

    @app.get("/api/reference/{vclass}", summary="a class's real distribution: training physics, OGLE-III Fourier")
    async def reference(vclass: str, request: Request) -> dict[str, Any]:
        return request.app.state.service.reference(vclass)

    @app.post(
        "/api/generate",
        summary="generate light curves (JSON for small requests; Parquet, CSV, ECSV streamed)",
        responses={200: {"content": {m: {} for m in _MEDIA.values()}}, 413: {}, 422: {}, 429: {}},
    )
    async def generate(params: GenerateParams, request: Request) -> Response:
        service: Service = request.app.state.service
        pool = request.app.state.pool
        prepared = await anyio.to_thread.run_sync(service.prepare, params)  # cadence probes: off the event loop
        slots: _Slots = request.app.state.slots if params.format == "json" else request.app.state.stream_slots
        await slots.acquire()
        release = _Once(slots.release)
        try:
            if params.format == "json":
                return await _json_answer(service, prepared, pool)
            return await _file_answer(service, prepared, release, pool)
        finally:
            if params.format == "json":
                release()

    @app.post(
        "/api/infer/file",
        summary="inference of a posted light-curve file (the body: the file's bytes)",
        openapi_extra={"requestBody": {"content": {"application/octet-stream": {}, "text/plain": {}}}},
    )
    async def infer_file(
        request: Request,
        name: str = "lightcurve.dat",
        survey: str = "ogle3",
        band: str = "I",
        period: float | None = None,
        candidates: int = 1000,
        seed: int = 0,
    ) -> dict[str, Any]:
        data = await request.body()
        params = InferParams(
            time=[], mag=[], mag_err=[], survey=survey, band=band, period=period, candidates=candidates, seed=seed
        )
        slots: _Slots = request.app.state.slots
        await slots.acquire()
        try:
            service: Service = request.app.state.service
            return await _within(
                service.limits, _offload(request.app.state.pool, service.infer_file, data, name, params)
            )
        finally:
            slots.release()

    @app.post("/api/infer", summary="class probabilities and physics quantiles of an observed light curve")
    async def infer(params: InferParams, request: Request) -> dict[str, Any]:
        slots: _Slots = request.app.state.slots
        await slots.acquire()
        try:
            service: Service = request.app.state.service
            return await _within(service.limits, _offload(request.app.state.pool, service.infer, params))
        finally:
            slots.release()


async def _offload(pool: ThreadPoolExecutor, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` on a thread of the service's pool (the event loop stays free)."""
    return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args))


async def _within(limits: Limits, work: Any) -> Any:
    try:
        return await asyncio.wait_for(work, limits.request_seconds)
    except TimeoutError:
        raise RequestError(
            413, None, f"the request needs more than {limits.request_seconds:g} s; ask for less"
        ) from None


async def _json_answer(service: Service, prepared: Prepared, pool: ThreadPoolExecutor) -> JSONResponse:
    def work() -> dict[str, Any]:
        return service.as_json(prepared, _collect(service, prepared))

    return JSONResponse(await _within(service.limits, _offload(pool, _refusing(work))))


def _collect(service: Service, prepared: Prepared) -> list[pa.Table]:
    return list(service.chunks(prepared))


def _refusing(fn: Any) -> Any:
    """``fn`` with the checks' exceptions (ValueError, KeyError) turned into a 422 :class:`RequestError`."""
    from varsynth.server.service import refused

    def wrapped(*args: Any) -> Any:
        try:
            return fn(*args)
        except RequestError:
            raise
        except (ValueError, KeyError) as err:
            raise refused(err) from None

    return wrapped


class _Once:
    """``fn`` called at most once, however often this is."""

    def __init__(self, fn: Any) -> None:
        self._fn: Any = fn

    def __call__(self) -> None:
        fn, self._fn = self._fn, None
        if fn is not None:
            fn()


class _ReleasingStream(StreamingResponse):
    """A streamed answer that frees its worker slot however it ends (finished, cut, client gone)."""

    def __init__(self, *args: Any, release: _Once, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


async def _file_answer(service: Service, prepared: Prepared, release: _Once, pool: ThreadPoolExecutor) -> Response:
    """The light curves as a Parquet, CSV or ECSV file streamed chunk by chunk (bounded memory).

    The first chunk is made before the answer starts, so that the engine's checks refuse a bad
    request with 422; past :attr:`Limits.request_seconds` a stream is cut (incomplete body)."""
    fmt = prepared.params.format
    sink = _Chunks()
    # _Chunks is a binary file object (io.RawIOBase: write, tell) though not a typing.BinaryIO
    writer = stream_writer(cast(BinaryIO, sink), fmt, service.meta(prepared))
    chunks = service.chunks(prepared)
    try:
        first = await _within(service.limits, _offload(pool, _refusing(next), chunks, None))
    except BaseException:
        release()
        raise
    deadline = time.monotonic() + service.limits.request_seconds
    filename = f"varsynth-{prepared.params.vclass.lower()}.{fmt}"

    def step(chunk: pa.Table | None) -> tuple[bytes, bool]:
        if chunk is None:
            writer.finish()
            _give_back_memory()
            return sink.take(), True
        writer.write(chunk)
        return sink.take(), False

    async def body() -> AsyncIterator[bytes]:
        try:
            chunk: pa.Table | None = first
            while True:
                data, done = await _offload(pool, step, chunk)
                if data:
                    yield data
                if done:
                    return
                if time.monotonic() > deadline:
                    log.warning("stream cut after %.0f s (request_seconds)", service.limits.request_seconds)
                    raise TimeoutError("request_seconds passed")
                chunk = await _offload(pool, next, chunks, None)
        finally:
            release()

    return _ReleasingStream(
        body(),
        release=release,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Varsynth-Estimated-Rows": f"{prepared.epochs:.0f}",
        },
    )


def run(host: str = "127.0.0.1", port: int = 8000, model: str = "default", limits: Limits | None = None) -> None:
    """Serve the application with uvicorn until interrupted; one log line per request."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("varsynth.server").setLevel(logging.INFO)
    uvicorn.run(
        create_app(model, limits), host=host, port=port, access_log=False, log_level="info", timeout_graceful_shutdown=5
    )
