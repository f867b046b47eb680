"""The configuration: the command line's keys as Python keywords, values in any unit."""

from __future__ import annotations

import difflib
import json
import numbers
import os
from typing import Any

from . import _native

#: Python keyword -> configuration key (``"tau_m"`` -> ``"neuron.tau_m"``), from the core's key list.
KEYS: dict[str, str] = {key.split(".", 1)[1]: key for key in _native.KEYS}

#: Every keyword that `simulate` and `Config` accept, in documentation order.
PARAMETERS: tuple[str, ...] = tuple(KEYS)


def key_of(name: str) -> str:
    """The configuration key of keyword `name`; `ValueError` naming it when it is unknown."""
    try:
        return KEYS[name]
    except KeyError:
        close = difflib.get_close_matches(name, PARAMETERS, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise ValueError(f"unknown parameter `{name}`{hint} (valid: {', '.join(PARAMETERS)})") from None


class Config:
    """A lifsim configuration: ``Config(n=1000, tau_m="10 ms")``.

    Attributes read as SI values (``cfg.tau_m == 0.01``) and assign like keywords
    (``cfg.tau_m = "10 ms"``); ``repr`` shows human units and evaluates back to an equal
    configuration. Units and types are checked on assignment, ranges by `validate` (and by
    every run).
    """

    __slots__ = ("_native",)
    _native: _native.Config

    def __init__(self, **params: Any) -> None:
        object.__setattr__(self, "_native", _native.Config())
        self.update(**params)

    @classmethod
    def from_toml(cls, text: str) -> Config:
        """Reads TOML text as written by ``lifsim config`` (unset keys keep their defaults)."""
        config = cls()
        object.__setattr__(config, "_native", _native.Config.from_toml(text))
        return config

    def update(self, **params: Any) -> Config:
        """Sets the given keywords (all or none of them) and returns this configuration."""
        native = self._native.copy()
        for name, value in params.items():
            native.set(key_of(name), value)
        object.__setattr__(self, "_native", native)
        return self

    def copy(self, **params: Any) -> Config:
        """An independent copy, with the given keywords changed."""
        config = Config()
        object.__setattr__(config, "_native", self._native.copy())
        return config.update(**params)

    def __copy__(self) -> Config:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Config:
        return self.copy()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Config.from_toml, (self.to_toml(),))

    def set(self, key: str, value: Any) -> Config:
        """Sets one configuration key by its full name (``"neuron.tau_m"``, or a network key:
        ``"population.E.n"``, ``"population.E.neuron.t_ref"``, ``"connection.E->I.weight"``)
        and returns this configuration."""
        native = self._native.copy()
        native.set(key, value)
        object.__setattr__(self, "_native", native)
        return self

    def add_population(self, name: str, n: int, **params: Any) -> Config:
        """Adds a population of `n` neurons; keywords of ``[neuron]`` and ``[input]``
        (``t_ref="2 ms"``, ``rate_e="20 kHz"``) are its own values, the rest it takes from the
        configuration. Returns this configuration, for chaining."""
        native = self._native.copy()
        native.add_population(name)
        native.set(f"population.{name}.n", n)
        for keyword, value in params.items():
            key = key_of(keyword)
            if not key.startswith(("neuron.", "input.")):
                raise ValueError(f"{keyword}: a population takes only neuron and input keywords, not `{key}`")
            native.set(f"population.{name}.{key}", value)
        object.__setattr__(self, "_native", native)
        return self

    def connect(
        self,
        source: str,
        target: str,
        *,
        in_degree: int | None = None,
        probability: float | None = None,
        weight: Any = None,
        delay: Any = None,
        name: str | None = None,
    ) -> Config:
        """Connects population `source` to `target`: each target draws `in_degree` sources at
        random (with replacement, as NEST's ``fixed_indegree``), or each pair is connected
        with `probability`; a spike makes the target's V jump by `weight` (negative:
        inhibitory; default 0.1 mV) after `delay` (a whole number of steps; default 1.5 ms).
        Give a `name` to a second connection between the same populations. Returns this
        configuration, for chaining."""
        native = self._native.copy()
        native.add_connection(source, target, name)
        address = f"connection.{name or f'{source}->{target}'}"
        for field, value in (("in_degree", in_degree), ("probability", probability), ("weight", weight), ("delay", delay)):
            if value is not None:
                native.set(f"{address}.{field}", value)
        object.__setattr__(self, "_native", native)
        return self

    @property
    def populations(self) -> tuple[str, ...]:
        """The populations' names, in order (empty for an ensemble)."""
        return tuple(self._native.population_names())

    @property
    def connections(self) -> tuple[str, ...]:
        """The connections' addresses (``"E->I"`` or their names), in order."""
        return tuple(self._native.connection_addresses())

    def validate(self) -> Config:
        """Checks every value and range as a run would; `ValueError` naming the parameter."""
        self._native.validate()
        return self

    @property
    def warnings(self) -> list[str]:
        """Warnings about the setup, e.g. a threshold that the drive can never reach."""
        return self._native.warnings()

    def to_dict(self) -> dict[str, Any]:
        """Every parameter's value in SI units (``None`` for a derived default or "none")."""
        sections = json.loads(self._native.to_json())
        return {name: sections[key.split(".")[0]][name] for name, key in KEYS.items()}

    def to_toml(self) -> str:
        """The configuration as commented TOML in human units, readable by ``lifsim run``."""
        return self._native.to_toml()

    def __getattr__(self, name: str) -> Any:
        if name in KEYS:
            return self.to_dict()[name]
        raise AttributeError(f"lifsim.Config has no parameter `{name}`")

    def __setattr__(self, name: str, value: Any) -> None:
        self.update(**{name: value})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self._native == other._native

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        lines = []
        for name, key in KEYS.items():
            text = self._native.value_text(key)
            if text is not None:
                lines.append(f"    {name}={text},")
        network = []
        for population in self.populations:
            own = [f"n={self._native.value_text(f'population.{population}.n')}"]
            for key in self._native.population_overrides(population):
                own.append(f"{key.split('.', 1)[1]}={self._native.value_text(f'population.{population}.{key}')}")
            network.append(f".add_population({population!r}, {', '.join(own)})")
        for address in self.connections:
            source = self._native.value_text(f"connection.{address}.from")
            target = self._native.value_text(f"connection.{address}.to")
            fields = [
                f"{field}={text}"
                for field in ("in_degree", "probability", "weight", "delay", "name")
                if (text := self._native.value_text(f"connection.{address}.{field}")) is not None
            ]
            network.append(f".connect({source}, {target}, {', '.join(fields)})")
        return "lifsim.Config(\n" + "\n".join(lines) + "\n)" + "".join(network)


def run_options(threads: Any, max_memory: Any) -> tuple[int | None, int | None]:
    """Checks `threads` (None or a whole number from 1 to 4 per core) and `max_memory` (None,
    bytes as an int, or a size such as ``"4GB"``), naming the keyword that is wrong."""
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
            raise TypeError(
                f"threads: expected a whole number of threads (1 to {_native.MAX_THREADS}) or None, "
                f"not {type(threads).__name__}"
            )
        threads = int(threads)
        if not 1 <= threads <= _native.MAX_THREADS:
            raise ValueError(
                f"threads = {threads} is invalid: expected a whole number from 1 to {_native.MAX_THREADS} "
                "(4 per core on this machine), or None for all cores"
            )
    if max_memory is not None:
        if isinstance(max_memory, str):
            max_memory = _native.memory_size(max_memory)
        elif isinstance(max_memory, bool) or not isinstance(max_memory, numbers.Integral):
            raise TypeError(f"max_memory: expected bytes (an int) or a size such as '4GB', not {type(max_memory).__name__}")
        elif not 0 <= max_memory < 2**64:
            raise ValueError(f"max_memory = {max_memory} is invalid: expected a size from 0 to 2**64 - 1 bytes")
        max_memory = int(max_memory)
    return threads, max_memory


def configured(config: Config | None, params: dict[str, Any]) -> Config:
    """`config` (default: lifsim's defaults) with keyword overrides, as a new configuration."""
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"config: expected a lifsim.Config, not {type(config).__name__}")
    return (config or Config()).copy(**params)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Reads a TOML configuration file as used by ``lifsim run FILE``."""
    with open(path, encoding="utf-8") as f:
        return Config.from_toml(f.read())
