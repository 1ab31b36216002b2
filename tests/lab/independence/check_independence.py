#!/usr/bin/python3
"""The lab's stand-ins share no code with CertWiz (issue 13).

    check_independence.py --source REPO --build BUILD_DIR

tests/lab/site (the reference site) and tests/lab/localsign (the local signing
component) judge CertWiz; a bug they shared with it would pass every test. Fails when:
- a file under them includes a header from checks/, installer/ or app/ (C/C++
  `#include`), or a Python file there imports from those folders or puts them on its path;
- a CMakeLists.txt there links a certwiz_* library that is not defined under them;
- in the build graph (build.ninja, or the Makefiles' link.txt), a binary of theirs is
  linked with a libcertwiz_* archive or library that is not theirs.
Prints every finding; exit 1 when there is one, 0 otherwise.
"""
import argparse
import os
import re
import sys

STANDINS = ("tests/lab/site", "tests/lab/localsign")
PRODUCT_DIRS = ("checks/", "installer/", "app/")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
PY_PRODUCT = re.compile(r'\b(?:from|import)\s+(?:checks|installer|app)\b|[\'"/](?:checks|installer|app)/')
LINK = re.compile(r'target_link_libraries\s*\(([^)]*)\)', re.S)
DEFINED = re.compile(r'add_(?:library|executable)\s*\(\s*([\w.-]+)')


def standin_files(source):
    for top in STANDINS:
        root = os.path.join(source, top)
        for d, _, files in os.walk(root):
            for f in sorted(files):
                yield os.path.join(d, f)


def own_targets(source):
    names = set()
    for path in standin_files(source):
        if os.path.basename(path) == "CMakeLists.txt":
            with open(path, encoding="utf-8") as f:
                names.update(DEFINED.findall(f.read()))
    return names


def check_sources(source, own):
    findings = []
    for path in standin_files(source):
        rel = os.path.relpath(path, source)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (UnicodeDecodeError, OSError):
            continue  # binary files (corpora, images) include nothing
        if path.endswith((".c", ".cc", ".cpp", ".h", ".hpp", ".mm")):
            for inc in INCLUDE.findall(text):
                if inc.startswith(PRODUCT_DIRS):
                    findings.append(f"{rel}: includes {inc}")
        elif path.endswith(".py"):
            for line_no, line in enumerate(text.splitlines(), 1):
                code = line.split("#", 1)[0]
                if PY_PRODUCT.search(code):
                    findings.append(f"{rel}:{line_no}: refers to product code: {line.strip()}")
        elif os.path.basename(path) == "CMakeLists.txt":
            for block in LINK.findall(text):
                for word in block.split():
                    if word.startswith("certwiz_") and word not in own:
                        findings.append(f"{rel}: links {word}")
            for word in re.findall(r'\$\{CERTWIZ_ROOT\}/(?:checks|installer|app)\S*', text):
                findings.append(f"{rel}: uses {word}")
    return findings


def standin_binaries(build):
    """Link inputs of every binary built from the stand-ins' folders: {target: text}."""
    out = {}
    ninja = os.path.join(build, "build.ninja")
    if os.path.exists(ninja):
        with open(ninja, encoding="utf-8", errors="replace") as f:
            stanzas = f.read().split("\n\n")
        for s in stanzas:
            # "build bin/certwiz-site: CXX_EXECUTABLE_LINKER__certwiz-site_RelWithDebInfo main.cpp.o | ..."
            m = re.search(r'^build (\S+): (?:CXX|C)_(?:EXECUTABLE|SHARED_LIBRARY|MODULE)_LINKER__(\S+)_\w+\s', s, re.M)
            if m and any(f"{top}/CMakeFiles/" in s for top in STANDINS):
                out[m.group(2)] = s
        return out
    for top in STANDINS:
        base = os.path.join(build, top, "CMakeFiles")
        for d, _, files in os.walk(base):
            if "link.txt" in files:
                with open(os.path.join(d, "link.txt"), encoding="utf-8", errors="replace") as f:
                    out[os.path.basename(d).removesuffix(".dir")] = f.read()
    return out


def check_build(build, own):
    findings = []
    binaries = standin_binaries(build)
    if not binaries:
        return [f"{build}: no build graph of the stand-ins found (build.ninja or link.txt)"], 0
    for target, text in sorted(binaries.items()):
        for lib in sorted(set(re.findall(r'lib(certwiz_[\w-]+)\.(?:a|so)\b', text))):
            if lib not in own:
                findings.append(f"build graph: {target} links {lib}")
    return findings, len(binaries)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--build", required=True)
    a = p.parse_args()
    own = own_targets(a.source)
    findings = check_sources(a.source, own)
    build_findings, n = check_build(a.build, own)
    findings += build_findings
    for f in findings:
        print(f"NOT INDEPENDENT: {f}")
    print(f"{len(findings)} finding(s); {n} stand-in binarie(s) checked in the build graph; own targets: "
          f"{', '.join(sorted(own))}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
