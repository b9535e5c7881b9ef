"""cmake --install puts the module where p11-kit and clients look."""
import os
import subprocess

from conftest import BUILD, MODULE


def pkg_var(name):
    return subprocess.run(["pkg-config", "p11-kit-1", "--variable", name],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def test_install_places_module_and_p11kit_config(tmp_path, mode):
    dest = str(tmp_path)
    subprocess.run(["cmake", "--install", BUILD], check=True,
                   capture_output=True, env=dict(os.environ, DESTDIR=dest))
    module_dir = pkg_var("p11_module_path")
    module = dest + module_dir + "/libtpmcard.so"
    config = dest + pkg_var("p11_module_configs") + "/tpmcard.module"
    assert os.path.isfile(module)
    with open(module, "rb") as f, open(MODULE, "rb") as built:
        assert f.read(4) == built.read(4) == b"\x7fELF"
    with open(config) as f:
        lines = f.read().splitlines()
    assert "module: %s/libtpmcard.so" % module_dir in lines
    assert any(line.startswith("critical: no") for line in lines)
