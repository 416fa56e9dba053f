"""The lit test format of ONNX's backend suite (see lit.local.cfg).

A module of its own, not part of lit.local.cfg, because lit pickles each
test's format to hand it to a worker process.
"""

import os
import subprocess

import lit.formats
import lit.Test

SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]


class OnnxBackendTests(lit.formats.TestFormat):
    def __init__(self, tool, data):
        self.tool = tool
        self.data = data

    def getTestsInDirectory(self, testSuite, path_in_suite, litConfig,
                            localConfig):
        dirs = [os.path.join(self.data, suite, name)
                for suite in SUITES
                if os.path.isdir(os.path.join(self.data, suite))
                for name in sorted(os.listdir(os.path.join(self.data, suite)))]
        # One process says which tests are outside the supported set.
        out = subprocess.run([self.tool, "--classify"] + dirs,
                             capture_output=True, text=True, check=True)
        verdicts = dict(line.split("\t", 1)
                        for line in out.stdout.splitlines())
        for path in dirs:
            suite, name = path.split(os.sep)[-2:]
            test = lit.Test.Test(testSuite, path_in_suite + (suite, name),
                                 localConfig)
            test.onnx_dir = path
            test.onnx_verdict = verdicts.get(path, "applicable")
            yield test

    def execute(self, test, litConfig):
        if test.onnx_verdict.startswith("UNSUPPORTED"):
            return lit.Test.UNSUPPORTED, test.onnx_verdict
        try:
            run = subprocess.run([self.tool, test.onnx_dir],
                                 capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return lit.Test.TIMEOUT, "fm-onnx-check took over 300 s"
        output = run.stdout + run.stderr
        if run.returncode == 77:
            return lit.Test.UNSUPPORTED, output
        if run.returncode == 0:
            return lit.Test.PASS, output
        return lit.Test.FAIL, output
