# /// script
# requires-python = ">=3.11"
# dependencies = ["tree-sitter>=0.25,<0.27", "tree-sitter-bash>=0.25,<0.26"]
# ///
"""Lists every program the project's local scripts run, for tests/deploy/test_commands.py.

Shell files (deploy/**/*.sh, gateway/*.sh, gateway/console/build.sh, .ci/run and the Makefile's
recipes) are parsed with tree-sitter's bash grammar: every simple command, also inside $(...),
pipelines and functions, and the command lines handed to supervisord (`program NAME "COMMAND"`).
Python files (deploy/, gateway/, tests/, bench/) are read with ast: the literal program of subprocess
and asyncio subprocess calls, `shutil.which("NAME")`, and the follower's hook commands ("run": [...]).

Prints JSON: {"uses": [{"command", "file", "line"}], "unknown": [{"text", "file", "line"}]}, where
`unknown` is a command word this scan cannot resolve to a program (a variable it cannot follow).
Run: uv run --script tests/deploy/command_scan.py [ROOT]
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

# Words bash runs itself: no program behind them.
BASH_BUILTINS = set(
    [
        ".",
        ":",
        "[",
        "alias",
        "bg",
        "bind",
        "break",
        "builtin",
        "caller",
        "cd",
        "command",
        "compgen",
        "complete",
        "continue",
        "declare",
        "dirs",
        "disown",
        "echo",
        "enable",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "getopts",
        "hash",
        "help",
        "history",
        "jobs",
        "kill",
        "let",
        "local",
        "logout",
        "mapfile",
        "popd",
        "printf",
        "pushd",
        "pwd",
        "read",
        "readarray",
        "readonly",
        "return",
        "set",
        "shift",
        "shopt",
        "source",
        "suspend",
        "test",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "wait",
    ]
)
# Programs that run the program named after their own options.
WRAPPERS = {"env", "nohup", "timeout", "xargs", "sudo", "nice", "runuser", "time"}
# Variables holding paths inside the repository, .local or .venv: what they run is the project's own.
PROJECT_VARS = {"ROOT", "VENV", "LOCAL", "CACHE", "DATA", "ES_HOME", "FERRETDB_BIN", "here", "root"}
# A literal path into a system bin folder names a program, wherever it is written.
SYSTEM_PATH = re.compile(r"(?<![\w/.$-])/(?:usr/)?s?bin/([A-Za-z0-9_.+-]+)")
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "create_subprocess_exec"}
MAKE_VAR = re.compile(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
VAR = re.compile(r"^\"?\$\{?([A-Za-z_][A-Za-z0-9_]*)(\[@\])?\}?")


@dataclass
class Scan:
    """What the scan found: programs run, and command words it could not resolve."""

    root: Path
    uses: list[dict[str, object]] = field(default_factory=list)
    unknown: list[dict[str, object]] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    assignments: dict[str, str] = field(default_factory=dict)

    def use(self, command: str, path: Path, line: int) -> None:
        """Records one program run at path:line."""
        self.uses.append({"command": command, "file": self.rel(path), "line": line})

    def cannot_tell(self, text: str, path: Path, line: int) -> None:
        """Records a command word that names no program this scan can see."""
        self.unknown.append({"text": text, "file": self.rel(path), "line": line})

    def rel(self, path: Path) -> str:
        """The path relative to the repository root."""
        return str(path.relative_to(self.root))


PARSER = Parser(Language(tree_sitter_bash.language()))


def shell_files(root: Path) -> list[Path]:
    """The shell scripts the local suite and CI run."""
    files = {*root.glob("deploy/**/*.sh"), *root.glob("gateway/*.sh")}
    files |= {root / "gateway" / "console" / "build.sh", root / ".ci" / "run"}
    return sorted(path for path in files if path.is_file())


def makefile_recipes(root: Path) -> bytes:
    """The Makefile's recipe lines as one shell text (make's $$ and leading @/- undone)."""
    lines = []
    for line in (root / "Makefile").read_text().splitlines():
        if line.startswith("\t"):
            recipe = MAKE_VAR.sub(r"${\1}", line[1:].lstrip("@-"))
            lines.append(recipe.replace("$$", "$"))
        else:
            lines.append("")  # keeps line numbers
    return "\n".join(lines).encode()


def walk(node: Node) -> list[Node]:
    """Every node under node, node included, in document order."""
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.children))
    return out


def unquote(text: str) -> str:
    """The word without its outer quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def collect_definitions(scan: Scan, tree_root: Node) -> None:
    """Function names and plain variable assignments (first value wins; arrays: first element)."""
    for node in walk(tree_root):
        if node.type == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None and name.text:
                scan.functions.add(name.text.decode())
        elif node.type == "variable_assignment":
            name_node = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name_node is None or value is None or not name_node.text or not value.text:
                continue
            name = name_node.text.decode()
            if value.type == "array":
                elements = [c for c in value.named_children if c.type != "comment"]
                text = elements[0].text.decode() if elements and elements[0].text else ""
            else:
                text = value.text.decode()
            scan.assignments.setdefault(name, unquote(text))


def resolve_word(scan: Scan, word: str) -> str | None:
    """The program a command word runs: its basename, '' for the project's own files, None unknown."""
    word = unquote(word)
    if word in ("$@", "$*"):  # runs its own arguments: what its callers pass is scanned there
        return ""
    prefix = re.match(r"([A-Za-z_][A-Za-z0-9_]*_)\$", word)
    if prefix and any(f.startswith(prefix.group(1)) for f in scan.functions):
        return ""  # "install_$engine": one of the functions named so
    for _ in range(5):
        match = VAR.match(word)
        if not match:
            break
        name = match.group(1)
        if name in PROJECT_VARS:
            return ""
        if name not in scan.assignments:
            return None
        word = scan.assignments[name] + word[match.end() :].lstrip('"')
    if word.startswith("$(") and ")/" in word:  # "$(java17_home)/bin/java": a path's last part
        word = word[word.index(")/") + 1 :]
    if "$" in word or "`" in word:
        return None
    return word.rsplit("/", 1)[-1]


def command_words(node: Node) -> list[str]:
    """The words of a simple command: its name, then its arguments (redirections left out)."""
    words = []
    for child in node.children:
        if child.type in (
            "variable_assignment",
            "file_redirect",
            "heredoc_redirect",
            "herestring_redirect",
        ):
            continue
        if child.text:
            words.append(child.text.decode())
    return words


def record(scan: Scan, words: list[str], path: Path, line: int) -> None:
    """Records the program(s) that one simple command runs."""
    while words:
        name = resolve_word(scan, words[0])
        if name is None:
            scan.cannot_tell(words[0], path, line)
            return
        if name == "" or name in scan.functions:
            if name == "program" and len(words) >= 3:  # program NAME "COMMAND": supervisord runs it
                inner = unquote(words[2]).split()
                if inner:
                    record(scan, inner[:1], path, line)
            return
        if name in BASH_BUILTINS:
            if name in ("command", "exec") and len(words) > 1 and not words[1].startswith("-"):
                words = words[1:]
                continue
            return
        scan.use(name, path, line)
        if name not in WRAPPERS:
            return
        rest = words[1:]
        if "--" in rest:
            rest = rest[rest.index("--") + 1 :]
        else:
            rest = [w for w in rest if not w.startswith("-") and "=" not in w]
            if name == "timeout" and rest:
                rest = rest[1:]
        words = rest


def scan_shell(scan: Scan, path: Path, source: bytes) -> None:
    """Records every program the shell text runs."""
    tree = PARSER.parse(source)
    for node in walk(tree.root_node):
        if (
            node.type in ("word", "string", "raw_string")
            and node.parent
            and node.parent.type != "string"
        ):
            for match in SYSTEM_PATH.finditer(node.text.decode() if node.text else ""):
                scan.use(match.group(1), path, node.start_point[0] + 1)
        if node.type == "command":
            words = command_words(node)
            if words:
                record(scan, words, path, node.start_point[0] + 1)


def module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "literal" or NAME = shutil.which("x") or ... : the program it names."""
    names = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                program = literal_program(stmt.value)
                if program:
                    names[target.id] = program
    return names


def literal_program(node: ast.expr) -> str | None:
    """The program an expression names literally: "x", "/usr/bin/x", shutil.which("x") or ..."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        return node.value.rsplit("/", 1)[-1]
    if isinstance(node, ast.BoolOp):
        return literal_program(node.values[0])
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "which"
        and node.args
    ):
        return literal_program(node.args[0])
    return None


def scan_python(scan: Scan, path: Path) -> None:
    """Records the programs a Python file runs through subprocess, or looks up with shutil.which."""
    tree = ast.parse(path.read_text(), str(path))
    names = module_strings(tree)
    for node in ast.walk(tree):
        argv: ast.expr | None = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in SYSTEM_PATH.finditer(node.value):
                scan.use(match.group(1), path, node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SUBPROCESS_CALLS and node.args:
                argv = node.args[0]
            elif node.func.attr == "which" and node.args:
                program = literal_program(node.args[0])
                if program:
                    scan.use(program, path, node.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "run":
                    argv = value
        if isinstance(argv, ast.List | ast.Tuple) and argv.elts:
            first = argv.elts[0]
            if isinstance(first, ast.Constant):
                program = literal_program(first)
            elif isinstance(first, ast.Name):
                program = names.get(first.id)
            else:
                program = None  # str(SCRIPT), sys.executable, a variable: the project's own
            if program:
                scan.use(program, path, node.lineno)


def main() -> None:
    """Scans the repository at argv[1] (default: this file's repository) and prints JSON."""
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
    scan = Scan(root.resolve())
    sources = [(path, path.read_bytes()) for path in shell_files(scan.root)]
    sources.append((scan.root / "Makefile", makefile_recipes(scan.root)))
    for _, source in sources:
        collect_definitions(scan, PARSER.parse(source).root_node)
    for path, source in sources:
        scan_shell(scan, path, source)
    for pattern in ("deploy/**/*.py", "gateway/*.py", "tests/**/*.py", "bench/*.py"):
        for path in sorted(scan.root.glob(pattern)):
            if path.parent != Path(__file__).resolve().parent:  # not this scan or its test
                scan_python(scan, path)
    json.dump({"uses": scan.uses, "unknown": scan.unknown}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
