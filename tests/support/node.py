"""Node.js for the tests that run partner code written for it (seed 001's TypeScript, the shipped JS client)."""
from pathlib import Path
import shutil
import subprocess

import pytest

from tests.support.live import ROOT

# npm packages the tests install once, into a git-ignored folder of the checkout.
NODE_CACHE = ROOT / ".cache" / "node"
TYPESCRIPT = "typescript@5.9.3"


def node() -> str:
    """The node binary, or skip (the machine's Node.js is part of the CI environment)."""
    path = shutil.which("node")
    if path is None:
        pytest.skip("needs Node.js (node) on PATH")
    return path


def typescript_to_module(source: Path, out_dir: Path) -> Path:
    """
    Strip the types of one TypeScript file with the real TypeScript compiler
    (`ts.transpileModule`: no type check, as tsx or ts-node --transpile-only do) into
    an ES module beside nothing else; the .mjs path.
    """
    node_bin = node()
    package = NODE_CACHE / "node_modules" / "typescript"
    if not package.exists():
        NODE_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund", "--silent",
                               TYPESCRIPT], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"could not install {TYPESCRIPT} from the npm registry: {done.stderr.strip()[:200]}")
    target = out_dir / (source.stem + ".mjs")
    script = (
        "const ts = require(process.argv[1]); const fs = require('fs');"
        "const out = ts.transpileModule(fs.readFileSync(process.argv[2], 'utf8'),"
        " {compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true}});"
        "fs.writeFileSync(process.argv[3], out.outputText);"
    )
    subprocess.run([node_bin, "-e", script, str(package), str(source), str(target)], check=True, timeout=60)
    return target
