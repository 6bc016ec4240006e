"""Every Python example of docs/scripting.md runs, and passes or fails as the text says."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.asyncwait import run, until
from helpers.servers import RecordingServer
from helpers.sessions import close_session, options_for

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.scripting.loading import load_script
from wsinspector.core.scripting.reactions import Reactions
from wsinspector.core.scripting.runner import Outcome, Target, run_files
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.session import Session

DOC = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"
EXAMPLE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_every_example_in_the_scripting_doc_runs(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    examples = EXAMPLE.findall(DOC.read_text())
    assert len(examples) >= 5
    paths = []
    for number, source in enumerate(examples):
        path = tmp_path / f"example_{number}.py"
        path.write_text(source)
        paths.append(path)
    target = Target(ConnectionOptions(recording_server.url("/echo")))
    report = run(lambda: run_files(paths, target, EventLog(None)))
    assert report.load_errors == []
    outcomes = {r.name: (r.outcome, r.message) for r in report.results}
    failing = outcomes.pop("test_fails_on_purpose")
    assert failing[0] is Outcome.FAILED
    assert failing[1].startswith("the server should say goodbye\nassert 'hello' == 'goodbye'")
    assert outcomes and all(o is Outcome.PASSED for o, _ in outcomes.values()), outcomes
    defined = {m for s in examples for m in re.findall(r"async def (test_\w+)", s)}
    assert set(outcomes) | {"test_fails_on_purpose"} == defined


def test_the_reactions_example_answers_its_challenge(
    recording_server: RecordingServer, tmp_path: Path
) -> None:
    (source,) = [s for s in EXAMPLE.findall(DOC.read_text()) if "async def on_message" in s]
    path = tmp_path / "reactions.py"
    path.write_text(source)
    output: list[str] = []

    async def go() -> None:
        log = EventLog()
        session = Session(options_for(recording_server.url("/echo")), log)
        reactions = Reactions(log, lambda: session, output.append)
        reactions.set_script(load_script(path))
        reactions.enable()
        session.start()
        await until(lambda: len(output) == 2)
        await close_session(session)
        reactions.detach()

    run(go)
    assert output == ["got challenge:abc", "got answer:cba"]
