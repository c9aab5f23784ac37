"""Runs Rasa's prediction graph node after node in an order worked out once per target list, instead of building a dask graph for every message."""

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's `DaskGraphRunner` with its `run` replaced; nodes, hooks and errors are Rasa's own.

    Rasa 3.6 runs the graph with dask's synchronous scheduler anyway (one node at a time), but builds
    the minimal schema and the dask graph again for each of its several graph runs per message.
    """

    def run(self, inputs: Optional[Dict[Text, Any]] = None,
            targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        graph: Dict[Text, Any] = dict.fromkeys(self._graph_schema.nodes)
        self._add_inputs_to_graph(inputs, graph)  # Rasa's own check: an input value may not name a node
        values = {name: graph[name] for name in inputs or {}}
        try:
            for name in self._order(tuple(run_targets)):
                if name in values:  # an input given in place of a node, as dask would take it
                    continue
                needs = self._graph_schema.nodes[name].needs.values()
                # What nothing provides is passed as its name, as dask does; the node reports it.
                values[name] = self._instantiated_nodes[name](*(values.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(values[target] for target in run_targets)

    @lru_cache(maxsize=None)
    def _order(self, targets: Tuple[Text, ...]) -> List[Text]:
        """The nodes the targets need, each after everything it needs (depth first)."""
        order: List[Text] = []
        seen = set()

        def visit(name: Text) -> None:
            if name in seen or name not in self._graph_schema.nodes:
                return
            seen.add(name)
            for need in self._graph_schema.nodes[name].needs.values():
                visit(need)
            order.append(name)

        for target in targets:
            visit(target)
        return order


def install() -> None:
    """Used by the Rasa server process (bot/rasa_main.py) before the model loads."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
