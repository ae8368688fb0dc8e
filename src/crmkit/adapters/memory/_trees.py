"""Tree walks over in-memory rows, shared by the company channel (C2) and the region tree (T1)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def subtree_of(root: K, edges: Iterable[tuple[K, K | None]]) -> list[K]:
    """``root`` and every node below it, sorted; empty when ``root`` is not a node.

    Args:
        root: the top of the subtree.
        edges: ``(node, parent)`` for every node (``None`` for a top-level one).
    """
    below: dict[K, list[K]] = {}
    nodes: set[K] = set()
    for node, parent in edges:
        nodes.add(node)
        if parent is not None:
            below.setdefault(parent, []).append(node)
    if root not in nodes:
        return []
    found = {root}
    todo = [root]
    while todo:
        for child in below.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return sorted(found)  # type: ignore[type-var]  # ids (UUIDs) are ordered
