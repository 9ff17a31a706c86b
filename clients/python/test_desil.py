"""The Python example against the real service: a tiny generated dataset (one regency, 3,000
persons), `regsosek start` on a free port, a tier-2 token from `regsosek grants issue`.

Run with Debian's python3 after clients/python/build.sh and a Release build of the host and the
generator's command line (scripts/test does both):  cd clients/python && /usr/bin/python3 -m unittest -v test_desil
"""
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DLL = os.environ.get("REGSOSEK_DLL",
                     os.path.join(ROOT, "src", "Regsosek.Host", "bin", "Release", "net10.0", "regsosek.dll"))
GENERATOR = os.environ.get("REGSOSEK_GENERATE_DLL",
                           os.path.join(ROOT, "src", "Regsosek.Generator.Cli", "bin", "Release", "net10.0", "regsosek-generate.dll"))
REGION = "3273"  # Kota Bandung, the only regency of the dataset
GROUP_BY = ["dwelling_ownership", "lighting"]  # small enough cells that some are withheld

if not os.path.isdir(os.path.join(HERE, "gen", "regsosek")):
    subprocess.run([os.path.join(HERE, "build.sh")], check=True)
sys.path.insert(0, HERE)
import grpc  # noqa: E402
import desil  # noqa: E402
from regsosek.v1 import aggregate_pb2, common_pb2  # noqa: E402


def regsosek(*args, home, dll=DLL):
    result = subprocess.run(["dotnet", dll, *args], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "REGSOSEK_HOME": home, "NO_COLOR": "1"})
    if result.returncode != 0:
        raise AssertionError(f"{os.path.basename(dll)} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


class DesilExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for dll in (DLL, GENERATOR):
            if not os.path.isfile(dll):
                raise unittest.SkipTest(f"{dll} is missing: dotnet build Regsosek.DataService.sln -c Release")
        cls.home = tempfile.mkdtemp(prefix="regsosek-python-")
        try:
            regsosek("--persons", "3000", "--seed", "12", "--regencies", REGION,
                     "--out", os.path.join(cls.home, "dataset"), home=cls.home, dll=GENERATOR)
            issued = regsosek("grants", "issue", "--home", cls.home, "--organisation", "Pemerintah Kota Bandung",
                              "--unit", "Bappelitbang", "--tier", "2", "--region", REGION,
                              "--purpose", "Python client test", "--without-satu-data-forum", home=cls.home)
            cls.token = next(line.split(" ", 1)[1] for line in issued.splitlines() if line.startswith("token: "))
            cls.address = cls.start_server()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_server(cls):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cls.server = subprocess.Popen(
            ["dotnet", DLL, "start", "--home", cls.home, "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "REGSOSEK_HOME": cls.home, "NO_COLOR": "1"})
        cls.output, serving = [], threading.Event()

        def drain():
            for line in cls.server.stdout:
                cls.output.append(line)
                if line.startswith("Serving gRPC"):
                    serving.set()
            serving.set()  # exited: stop waiting
        threading.Thread(target=drain, daemon=True).start()
        if not serving.wait(120) or cls.server.poll() is not None:
            raise AssertionError("`regsosek start` did not report serving:\n" + "".join(cls.output))
        return f"127.0.0.1:{port}"

    @classmethod
    def tearDownClass(cls):
        server = getattr(cls, "server", None)
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)  # not SIGINT: ignored when started in the background
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(cls.home, ignore_errors=True)

    def assert_frame_is_response(self, frame, response):
        """Cell by cell: one frame row per (table row, measure), in order."""
        self.assertEqual(list(frame.columns), [*response.dimensions, "measure", "value", "status", "rule"])
        self.assertEqual(len(frame), len(response.rows) * len(response.measures))
        statuses = {aggregate_pb2.CELL_STATUS_SHOWN: "shown", aggregate_pb2.CELL_STATUS_SUPPRESSED: "withheld",
                    aggregate_pb2.CELL_STATUS_PERTURBED: "perturbed"}
        records = iter(frame.to_dict("records"))
        for row in response.rows:
            for measure, cell in zip(response.measures, row.cells):
                got = next(records)
                for dimension, key in zip(response.dimensions, row.keys):
                    self.assertEqual(got[dimension], key.code if key.HasField("code") else "Total")
                self.assertEqual(got["measure"], measure.id)
                self.assertEqual(got["status"], statuses[cell.status])
                self.assertEqual(got["rule"], cell.rule)
                if cell.HasField("value"):
                    self.assertEqual(got["value"], cell.value)
                else:
                    self.assertTrue(math.isnan(got["value"]), f"a withheld cell must be NaN, got {got}")
                    self.assertEqual(got["status"], "withheld")

    def test_tier2_frame_equals_the_grpc_answer_with_margins_and_withheld_cells(self):
        response = desil.desil_distribution(self.address, REGION, GROUP_BY, token=self.token)
        frame = desil.to_frame(response)
        self.assert_frame_is_response(frame, response)
        self.assertEqual(list(response.dimensions), ["desil", *GROUP_BY])
        self.assertEqual(response.metadata.tier, common_pb2.TIER_DISAGGREGATED)
        dims = list(response.dimensions)
        grand_total = frame[(frame[dims] == "Total").all(axis=1)]
        self.assertEqual(len(grand_total), 1, "the grand total (all margins) is a row")
        self.assertEqual(sorted(frame.loc[frame["desil"] != "Total", "desil"].unique()), list(range(1, 11)))
        withheld = frame[frame["status"] == "withheld"]
        self.assertGreater(len(withheld), 0, "the dataset is small enough that some cells are withheld")
        self.assertTrue(withheld["value"].isna().all(), "withheld cells are NaN, never 0")
        self.assertTrue((withheld["rule"] != "").all(), "withheld cells name their rule")

    def test_tier1_desil_is_what_the_server_says_a_refusal_names_its_rule(self):
        # Province level is open to tier 1 for open indicators; whether desil is, is the server's
        # rule: either an answer the frame reproduces, or PERMISSION_DENIED naming the rule.
        try:
            response = desil.desil_distribution(self.address, REGION[:2])
        except grpc.RpcError as error:
            self.assertEqual(error.code(), grpc.StatusCode.PERMISSION_DENIED, error.details())
            self.assertTrue(desil.refusal_rule(error), "a refusal carries a google.rpc.ErrorInfo with the rule")
        else:
            self.assertEqual(response.metadata.tier, common_pb2.TIER_PUBLIC)
            self.assert_frame_is_response(desil.to_frame(response), response)

    def test_command_line_prints_the_table_or_the_rule(self):
        def run(*args, token=None):
            env = {k: v for k, v in os.environ.items() if k != "REGSOSEK_TOKEN"}
            if token:
                env["REGSOSEK_TOKEN"] = token
            return subprocess.run([sys.executable, os.path.join(HERE, "desil.py"), *args, "--address", self.address],
                                  capture_output=True, text=True, env=env, timeout=60)

        shown = run(REGION, token=self.token)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("Total", shown.stdout)
        self.assertIn("Sumber: Registrasi Sosial Ekonomi 2022", shown.stdout)

        # A regency is beyond tier 1 whatever the desil rule: refused, and the rule printed.
        refused = run(REGION)
        self.assertEqual(refused.returncode, 1, refused.stdout)
        self.assertIn("refused: PERMISSION_DENIED", refused.stderr)
        with self.assertRaises(grpc.RpcError) as raised:
            desil.desil_distribution(self.address, REGION)
        self.assertIn(f"rule: {desil.refusal_rule(raised.exception)}\n", refused.stderr)
        self.assertIn("tier-2 grant", refused.stderr)


if __name__ == "__main__":
    unittest.main()
