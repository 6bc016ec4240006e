"""TaskSet: tasks started on their own are kept until they end, then let go."""

from __future__ import annotations

import asyncio
import gc

from helpers.asyncwait import run, until

from wsinspector.core.app.tasks import TaskSet


def test_a_spawned_task_is_kept_until_it_ends() -> None:
    async def body() -> tuple[int, int, str]:
        tasks = TaskSet()
        release = asyncio.Event()

        async def work() -> str:
            await release.wait()
            return "done"

        task = tasks.spawn(work())
        del task
        gc.collect()  # the loop's weak reference alone would let it go
        running = len(tasks)
        (kept,) = list(tasks)
        release.set()
        result = await kept
        await until(lambda: not tasks)
        return running, len(tasks), result

    assert run(body) == (1, 0, "done")
