"""The type stubs describe the module as it is, and their examples run."""

import ast
import doctest
import inspect
from pathlib import Path

import infoablate

STUBS = Path(infoablate.__file__).parent / "_infoablate.pyi"


def stub_definitions():
    tree = ast.parse(STUBS.read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    return functions, classes


def parameters(node):
    return [a.arg for a in node.args.args if a.arg != "self"]


def runtime_parameters(obj):
    try:
        return [p for p in inspect.signature(obj).parameters if p != "self"]
    except ValueError:  # an abi3 class has no signature before Python 3.10
        return None


def test_every_name_is_stubbed_with_its_parameters():
    functions, classes = stub_definitions()
    for name in infoablate.__all__:
        runtime = getattr(infoablate, name)
        if inspect.isclass(runtime):
            assert name in classes, name
            methods = {n.name: n for n in classes[name].body if isinstance(n, ast.FunctionDef)}
            public = [m for m in vars(runtime) if not m.startswith("_") or m == "__init__"]
            assert set(public) - {"__init__"} <= set(methods), name
            for method, node in methods.items():
                target = runtime if method == "__init__" else getattr(runtime, method)
                if callable(target) and not isinstance(target, property):
                    assert runtime_parameters(target) in (parameters(node), None), f"{name}.{method}"
        elif callable(runtime):
            assert runtime_parameters(runtime) == parameters(functions[name]), name


def test_the_examples_in_the_stubs_run():
    test = doctest.DocTestParser().get_doctest(STUBS.read_text(), {}, "stubs", str(STUBS), 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.tries >= 4
    assert runner.failures == 0
