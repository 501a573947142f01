"""Docs that run: every public class and function of ecgad has a numpy-style docstring whose
Examples section ``pytest --doctest-modules`` collects, every public method and property of those
classes is documented, and ``_core.pyi`` declares exactly what the compiled module ``ecgad._core``
holds, with the right kind (submodule, class, static method, method, property, attribute).

The public API is whatever ``ecgad.__all__`` lists when the test runs: its classes and functions,
and for each listed submodule the classes and functions of that submodule's ``__all__``.
"""
import ast
import dataclasses
import doctest
import functools
import importlib
import inspect
import pkgutil
import re
import types
from pathlib import Path

import pytest

import ecgad
from ecgad import _core

# ---------------------------------------------------------------------------------------------
# Docstring parsing
# ---------------------------------------------------------------------------------------------


def own_doc(obj):
    """The docstring an object carries itself, cleaned ('' when none; classes inherit none)."""
    doc = getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def sections(doc):
    """numpy-style sections of a cleaned docstring: {title: body}; the summary is under ''.

    A section starts at a title line followed by a line of at least as many dashes (numpydoc's
    rule) and runs to the next title.
    """
    lines = doc.splitlines()
    out, title, body, i = {}, "", [], 0
    while i < len(lines):
        head = lines[i].strip()
        under = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if head and under and set(under) == {"-"} and len(under) >= len(head):
            out[title] = "\n".join(body)
            title, body, i = head, [], i + 2
            continue
        body.append(lines[i])
        i += 1
    out[title] = "\n".join(body)
    return out


def documented_names(doc):
    """Names given an entry (``name : type`` or ``name``) in the Attributes and Parameters
    sections of a numpy-style docstring; ``a, b : float`` documents both."""
    names = set()
    for title in ("Attributes", "Parameters"):
        body = sections(doc).get(title)
        if body is None:
            continue
        entries = [line for line in body.splitlines() if line.strip()]
        if not entries:
            continue
        indent = min(len(line) - len(line.lstrip()) for line in entries)
        for line in entries:
            if len(line) - len(line.lstrip()) == indent:
                head = line.split(" : ", 1)[0].rstrip(" :")
                names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


def has_examples(doc):
    """An ``Examples`` section holding at least one doctest prompt."""
    body = sections(doc).get("Examples")
    return body is not None and any(line.lstrip().startswith(">>>") for line in body.splitlines())


def without_signatures(doc, name):
    """A pybind11 docstring minus the signature lines pybind11 writes itself
    (``name(arg: type) -> type``, numbered for overloads); only what a person wrote remains."""
    sig = re.compile(r"^\s*(\d+\.\s*)?" + re.escape(name) + r"\(.*\)(\s*->\s*.+)?\s*$")
    kept = [line for line in doc.splitlines()
            if not sig.match(line) and line.strip() != "Overloaded function."]
    return "\n".join(kept).strip()


def test_sections_parser_reads_numpy_docstrings():
    doc = inspect.cleandoc("""Summary.

        Parameters
        ----------
        a, b : float
            Two values.
        c
            A third.

        Attributes
        ----------
        d : int
            Field.

        Examples
        --------
        >>> 1 + 1
        2
        """)
    assert set(sections(doc)) == {"", "Parameters", "Attributes", "Examples"}
    assert documented_names(doc) == {"a", "b", "c", "d"}
    assert has_examples(doc)
    assert not has_examples("Summary.\n\nExamples\n--\n>>> 1")  # underline too short
    assert not has_examples("Summary.\n\nExamples\n--------\nNone here.")
    assert not has_examples("Summary.\n\n>>> 1 + 1\n2")  # a prompt outside Examples
    assert without_signatures("to_json(self: X) -> str\n", "to_json") == ""
    assert without_signatures("name(self: handle) -> str\n\nThe name.", "name") == "The name."


# ---------------------------------------------------------------------------------------------
# The public API
# ---------------------------------------------------------------------------------------------


def is_api_object(obj):
    return inspect.isclass(obj) or inspect.isroutine(obj)


def public_api():
    """([(qualified name, object)], [problems]) for the classes and functions of the public API:
    those of ``ecgad.__all__`` and those of each listed submodule's ``__all__``."""
    objects, problems = [], []
    for name in ecgad.__all__:
        if not hasattr(ecgad, name):
            problems.append(f"ecgad.{name}: listed in ecgad.__all__ but not an attribute")
            continue
        value = getattr(ecgad, name)
        if inspect.ismodule(value):
            listed = getattr(value, "__all__", None)
            if listed is None:
                problems.append(f"ecgad.{name}: a public submodule without __all__")
                continue
            for attr in listed:
                if not hasattr(value, attr):
                    problems.append(f"ecgad.{name}.{attr}: listed in __all__ but not defined")
                elif is_api_object(getattr(value, attr)):
                    objects.append((f"ecgad.{name}.{attr}", getattr(value, attr)))
        elif is_api_object(value):
            objects.append((f"ecgad.{name}", value))
    return objects, problems


def member_problems(qualname, cls):
    """Undocumented public members of a class, each as a message.

    Methods, class and static methods and properties defined in the class need a docstring of
    their own (an override may inherit its base method's); the fields of a NamedTuple or a
    dataclass need an entry in the class docstring's Attributes or Parameters section.
    """
    problems = []
    doc = own_doc(cls)
    fields = []
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        fields = list(cls._fields)
    elif dataclasses.is_dataclass(cls):
        fields = [f.name for f in dataclasses.fields(cls)]
    documented = documented_names(doc)
    for name in fields:
        if not name.startswith("_") and name not in documented:
            problems.append(f"{qualname}.{name}: field not documented under Attributes or "
                            "Parameters in the class docstring")
    for name, raw in vars(cls).items():
        if name.startswith("_") or name in fields:
            continue
        if isinstance(raw, (staticmethod, classmethod)):
            text = inspect.getdoc(raw.__func__) or ""
        elif isinstance(raw, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
            text = raw.__doc__ or ""
        elif isinstance(raw, functools.cached_property):
            text = raw.__doc__ or ""
        elif inspect.isroutine(raw) or type(raw).__name__ == "instancemethod":
            text = inspect.getdoc(getattr(cls, name)) or ""
        else:
            continue  # constants, enum members, nested values
        if not without_signatures(text, name):
            problems.append(f"{qualname}.{name}: no docstring")
    return problems


def collected_doctests():
    """The docstrings with examples that doctest (hence ``pytest --doctest-modules`` over the
    package folder) finds in ecgad's Python modules, cleaned."""
    finder = doctest.DocTestFinder()
    found = set()
    for info in pkgutil.iter_modules(ecgad.__path__):
        spec = info.module_finder.find_spec(f"ecgad.{info.name}")
        if spec is None or not str(spec.origin).endswith(".py"):
            continue  # compiled modules: pytest collects no doctests from them
        try:
            module = importlib.import_module(f"ecgad.{info.name}")
        except ImportError:  # an optional dependency is missing; its objects show as unchecked
            continue
        for test in finder.find(module):
            if test.examples and test.docstring:
                found.add(inspect.cleandoc(test.docstring))
    return found


def test_every_public_class_and_function_has_examples_that_doctest_runs():
    objects, problems = public_api()
    assert len(objects) > 100, "the public API walk found too little; is ecgad.__all__ intact?"
    collected = collected_doctests()
    for qualname, obj in objects:
        doc = own_doc(obj)
        if not doc:
            problems.append(f"{qualname}: no docstring")
        elif not has_examples(doc):
            problems.append(f"{qualname}: no numpy 'Examples' section with a '>>>' line")
        elif doc not in collected:
            problems.append(f"{qualname}: its Examples are not collected by doctest (defined "
                            f"in {getattr(obj, '__module__', '?')}; an object of the compiled "
                            "core needs its docstring set and listed in a Python module's "
                            "__test__, see ecgad/_coredocs.py)")
    problems = sorted(set(problems))
    assert not problems, f"{len(problems)} public objects lack runnable docs:\n" + "\n".join(
        problems)


def test_every_public_member_is_documented():
    objects, _ = public_api()
    problems = []
    for qualname, obj in objects:
        if inspect.isclass(obj):
            problems += member_problems(qualname, obj)
    problems = sorted(set(problems))
    assert not problems, f"{len(problems)} public members lack docs:\n" + "\n".join(problems)


def test_member_check_catches_what_it_should():
    from typing import NamedTuple

    class Point(NamedTuple):
        """A point.

        Attributes
        ----------
        x : float
            Abscissa.
        """

        x: float
        y: float

        def norm(self):
            return (self.x ** 2 + self.y ** 2) ** 0.5

        @property
        def flipped(self):
            """The point mirrored on the diagonal."""
            return Point(self.y, self.x)

        @staticmethod
        def origin():
            return Point(0.0, 0.0)

    found = member_problems("Point", Point)
    assert found == ["Point.y: field not documented under Attributes or Parameters in the "
                     "class docstring", "Point.norm: no docstring", "Point.origin: no docstring"]


# ---------------------------------------------------------------------------------------------
# _core.pyi describes _core
# ---------------------------------------------------------------------------------------------

# Kinds compared between the module and the stub. A submodule is a class in the stub (a
# namespace) whose functions are @staticmethods, so a module's functions and a class's static
# methods are one kind; a property is an @property or an annotated attribute in the stub.
MODULE, CLASS, STATIC, METHOD, ATTRIBUTE = "submodule", "class", "function or static method", \
    "method", "attribute"


def ignored(name):
    return name.startswith("__") or name.startswith("_pybind11")


def runtime_kind(owner, value, raw):
    if inspect.ismodule(value):
        return MODULE
    if inspect.isclass(value):
        return CLASS
    if inspect.ismodule(owner):
        return STATIC if inspect.isroutine(value) else ATTRIBUTE
    if isinstance(raw, (staticmethod, classmethod)):
        return STATIC
    if inspect.isroutine(raw) or type(raw).__name__ == "instancemethod":
        return METHOD
    return ATTRIBUTE  # properties (pybind11 def_readwrite/def_property), constants, enum values


def runtime_declarations(obj=_core, prefix="_core"):
    """{dotted name: kind} for everything the compiled module holds, recursively."""
    out = {}
    if inspect.isclass(obj):
        items = {}
        for klass in reversed(obj.__mro__):  # own members override inherited ones
            if klass.__module__.startswith("ecgad._core"):
                items.update(vars(klass))
    else:
        items = dict(vars(obj))
    for name, raw in items.items():
        if ignored(name):
            continue
        value = getattr(obj, name)
        path = f"{prefix}.{name}"
        out[path] = runtime_kind(obj, value, raw)
        if out[path] == MODULE and value.__name__ == f"{obj.__name__}.{name}":
            out.update(runtime_declarations(value, path))
        elif out[path] == CLASS and value.__qualname__ == name and (
                value.__module__ == obj.__name__ if inspect.ismodule(obj) else True):
            out.update(runtime_declarations(value, path))
    return out


def stub_path():
    return Path(_core.__file__).with_name("_core.pyi")


def decorator_names(node):
    return {d.id if isinstance(d, ast.Name) else getattr(d, "attr", "") for d in
            node.decorator_list}


def stub_declarations(body, prefix="_core", namespace=True, inherited=None):
    """{dotted name: kind} declared by a stub body. Classes at module level and classes
    directly inside module namespaces are read as submodules when a submodule of that name
    exists at run time, as classes otherwise. Private classes used only as bases (``_Detector``)
    lend their members to subclasses and are not declarations themselves; private assignments
    (``_F64 = ...``) are type aliases."""
    classes = {n.name: n for n in body if isinstance(n, ast.ClassDef)}
    bases_used = {b.id for n in classes.values() for b in n.bases if isinstance(b, ast.Name)}
    out = dict(inherited or {})
    for node in body:
        if isinstance(node, ast.ClassDef):
            if node.name.startswith("_") and node.name in bases_used:
                continue
            path = f"{prefix}.{node.name}"
            is_module = namespace and isinstance(_runtime_object(path), types.ModuleType)
            members = {}
            for base in node.bases:  # members of stub-only helper bases, in the scope
                if isinstance(base, ast.Name) and base.id in classes:
                    members.update(_class_members(classes, base.id, path))
            out[path] = MODULE if is_module else CLASS
            out.update(stub_declarations(node.body, path, namespace=is_module,
                                         inherited=members))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if ignored(node.name):
                continue
            decorators = decorator_names(node)
            if "property" in decorators or any(d.endswith("setter") for d in decorators):
                kind = ATTRIBUTE
            elif decorators & {"staticmethod", "classmethod"}:
                kind = STATIC
            else:
                kind = STATIC if prefix == "_core" else METHOD
            out[f"{prefix}.{node.name}"] = kind
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if not ignored(node.target.id):
                out[f"{prefix}.{node.target.id}"] = ATTRIBUTE
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    out[f"{prefix}.{target.id}"] = ATTRIBUTE
    return out


def _class_members(classes, name, path):
    """Members a stub-only base class (and its own stub-only bases) gives a subclass at path."""
    node = classes[name]
    out = {}
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes:
            out.update(_class_members(classes, base.id, path))
    out.update(stub_declarations(node.body, path, namespace=False))
    return out


def _runtime_object(path):
    obj = ecgad
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def test_runtime_walk_sees_the_core():
    found = runtime_declarations()
    assert found["_core.signal"] == MODULE
    assert found["_core.signal.butter"] == STATIC
    assert found["_core.calibrate.Pot"] == CLASS
    assert found["_core.calibrate.Pot.fit"] == STATIC
    assert found["_core.calibrate.Pot.quantile"] == METHOD
    assert found["_core.calibrate.Pot.level"] == ATTRIBUTE
    assert found["_core.Error"] == CLASS
    assert not any(ignored(p.rsplit(".", 1)[1]) for p in found)


def test_stub_reader_handles_namespaces_helper_bases_and_aliases():
    tree = ast.parse(inspect.cleandoc('''
        _F64 = int
        class Error(RuntimeError): ...
        class calibrate:
            @staticmethod
            def fit_gpd(x: _F64) -> float: ...
            class _Base:
                def update(self, x: float) -> int: ...
                @property
                def n(self) -> int: ...
            class Pot(_Base):
                level: float
                @staticmethod
                def fit(x: _F64) -> "calibrate.Pot": ...
        '''))
    assert stub_declarations(tree.body) == {
        "_core.Error": CLASS,
        "_core.calibrate": MODULE,
        "_core.calibrate.fit_gpd": STATIC,
        "_core.calibrate.Pot": CLASS,
        "_core.calibrate.Pot.update": METHOD,
        "_core.calibrate.Pot.n": ATTRIBUTE,
        "_core.calibrate.Pot.level": ATTRIBUTE,
        "_core.calibrate.Pot.fit": STATIC,
    }


def test_core_stub_declares_exactly_the_compiled_module():
    path = stub_path()
    assert path.is_file(), f"{path} is missing: the stub must be installed next to the module"
    declared = stub_declarations(ast.parse(path.read_text(), str(path)).body)
    actual = runtime_declarations()
    missing = sorted(f"{p} ({actual[p]})" for p in actual.keys() - declared.keys())
    absent = sorted(f"{p} ({declared[p]})" for p in declared.keys() - actual.keys())
    wrong = sorted(f"{p}: {actual[p]} at run time, {declared[p]} in the stub"
                   for p in actual.keys() & declared.keys() if actual[p] != declared[p])
    report = []
    if missing:
        report.append(f"{len(missing)} missing from {path.name}:\n  " + "\n  ".join(missing))
    if absent:
        report.append(f"{len(absent)} declared in {path.name} but absent from ecgad._core:\n  "
                      + "\n  ".join(absent))
    if wrong:
        report.append(f"{len(wrong)} declared as the wrong kind:\n  " + "\n  ".join(wrong))
    assert not report, "\n".join(report)


@pytest.mark.parametrize("path", [
    "_core.signal.BeatSegmenter.process",
    "_core.calibrate.Spot.samples_seen",
    "_core.store.Store.SCHEMA_VERSION",
])
def test_stub_check_would_notice_a_removed_declaration(path):
    source = stub_path().read_text()
    declared = stub_declarations(ast.parse(source).body)
    assert path in declared
    name = path.rsplit(".", 1)[1]
    lines = source.splitlines()
    # drop the one declaration of `name` inside its class (first match after the class line)
    owner = path.rsplit(".", 2)[1]
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s*class {owner}\b", line))
    at = next(i for i in range(start + 1, len(lines))
              if re.match(rf"\s*(def {name}\(|{name}\s*:)", lines[i]))
    del lines[at]
    assert path not in stub_declarations(ast.parse("\n".join(lines)).body)
