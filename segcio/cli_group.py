"""The `segcio` command group: each area's commands are built when one of them is used, and option values of plain
types are converted without Typer's Pydantic adapters.

Start-up is most of what a short command costs: importing every area's CLI module (and what they import at module
level) and Pydantic (which Typer builds a `TypeAdapter` with for each option value it converts) would be paid by
`segcio info` for nothing. `segcio --help` and shell completion still list every command: listing them builds
them all.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, MutableMapping
from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

# Command name -> the area CLI modules whose `register(app)` adds it (its own module first). `segcio --help` lists
# commands as Typer orders them: single commands, then groups, each in the order they were added.
# `events` has commands from two areas: the pipeline's `register` adds its own to the ingest area's group.
AREA_COMMANDS: dict[str, tuple[str, ...]] = {
    "test-event": ("segcio.destinations.cli",),
    "worker": ("segcio.pipeline.cli",),
    "replay": ("segcio.pipeline.cli",),
}
AREA_GROUPS: dict[str, tuple[str, ...]] = {
    "events": ("segcio.ingest.cli", "segcio.pipeline.cli"),
    "destinations": ("segcio.destinations.cli",),
    "workspace": ("segcio.workspace.cli",),
    "dlq": ("segcio.delivery.cli",),
    "delivery": ("segcio.delivery.cli",),
    "regulations": ("segcio.pipeline.cli",),
    "destination": ("segcio.pipeline.cli",),
    "people": ("segcio.tools.cli",),
}
AREAS = {**AREA_COMMANDS, **AREA_GROUPS}


@cache
def registered(module: str) -> typer.Typer:
    """What the `register` of one area CLI module adds (run once per process)."""
    area = typer.Typer()
    importlib.import_module(module).register(area)
    return area


@cache
def _built(module: str) -> dict[str, Any]:
    group = typer.main.get_group(registered(module))
    for command in group.commands.values():
        plain_values(command)
    return dict(group.commands)


def area_command(name: str) -> Any:
    """The command `name` of AREAS, built as `segcio` builds its own commands."""
    modules = AREAS[name]
    for module in modules:
        registered(module)
    return _built(modules[0])[name]


class _LazyCommands(MutableMapping[str, Any]):
    """The group's own commands, then the areas' ones, each area built on first use."""

    def __init__(self, own: MutableMapping[str, Any]) -> None:
        self.own = own

    def __getitem__(self, name: str) -> Any:
        if name in self.own:
            return self.own[name]
        if name not in AREAS:
            raise KeyError(name)
        return area_command(name)

    def __setitem__(self, name: str, command: Any) -> None:
        self.own[name] = command

    def __delitem__(self, name: str) -> None:
        del self.own[name]

    def __iter__(self) -> Iterator[str]:
        groups = [name for name, command in self.own.items() if isinstance(command, TyperGroup)]
        yield from (name for name in self.own if name not in groups)
        yield from (name for name in AREA_COMMANDS if name not in self.own)
        yield from groups
        yield from (name for name in AREA_GROUPS if name not in self.own)

    def __len__(self) -> int:
        return len(self.own) + sum(1 for name in AREAS if name not in self.own)


class LazyGroup(TyperGroup):
    """The root `segcio` group (`typer.Typer(cls=LazyGroup)`)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for command in self.commands.values():
            plain_values(command)
        self.commands = _LazyCommands(self.commands)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _plain_params(self)  # Typer adds the completion options after __init__
        return super().parse_args(ctx, args)


# --- Option values without Pydantic --------------------------------------------------------------------------------
# Typer (0.2x) converts every option value through a Pydantic TypeAdapter, built on first use; importing Pydantic
# costs about a fifth of a short command's start-up. Strings, integers and paths as the command line gives them are
# converted here the way those adapters would; anything else (a constraint, an invalid value and its error message,
# other types) goes to Typer's own conversion.

_INTEGER = re.compile(r"-?[0-9]+")

try:
    from typer._click import Context
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path

    TYPER_COERCION = True
except ImportError:  # another Typer: its own conversion is used throughout
    TYPER_COERCION = False


def plain_values(command: Any) -> None:
    """Give the options of `command` (and of its subcommands) of type str, int, bool or Path the fast
    conversion."""
    _plain_params(command)
    for sub in getattr(command, "commands", {}).values():
        plain_values(sub)


def _plain_params(command: Any) -> None:
    params = list(command.params)
    if TYPER_COERCION:
        # The --help option is made on first use (and kept); made now, it gets the fast conversion too.
        help_option = command.get_help_option(Context(command, **command.context_settings))
        params += [help_option] if help_option is not None else []
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if (TYPER_COERCION and descriptor is not None and getattr(param, "_runtime_param", None) is None
                and descriptor.file_annotation is None and descriptor.annotation in (str, int, bool, Path)):
            param._runtime_param = _PlainValue(annotation=descriptor.annotation,
                                               parameter_info=descriptor.parameter_info)


if TYPER_COERCION:

    class _PlainValue(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind, info = self.annotation, self.parameter_info
            if isinstance(value, str):
                if kind is str:
                    return value
                if (kind is int and _INTEGER.fullmatch(value) and info.min is None and info.max is None
                        and len(value) < 19):
                    return int(value)
                if kind is Path and value and info.path_type is None:
                    return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
            elif type(value) is kind:
                return value
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)
