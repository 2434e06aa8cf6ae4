"""RAPL through powercap, on sysfs trees built in a temp folder (this machine has no RAPL)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from tests.fakehw import RAPL_MAX_UJ, rapl_zone

from energybill.core.records import COUNTER, MODELLED
from energybill.measure.backends.base import BackendUnavailable
from energybill.measure.backends.rapl import RaplBackend
from energybill.measure.meter import Meter


def set_uj(root: Path, folder: str, energy_uj: int) -> None:
    (root / folder / "energy_uj").write_text(f"{energy_uj}\n")


@pytest.fixture
def two_sockets(tmp_path: Path) -> Path:
    """Two packages with core and DRAM sub-zones, psys on top, and an MMIO copy of package-0."""
    root = tmp_path / "powercap"
    rapl_zone(root, "intel-rapl:0", "package-0", 1_000_000)
    rapl_zone(root, "intel-rapl:0:0", "core", 500_000)
    rapl_zone(root, "intel-rapl:0:1", "dram", 200_000)
    rapl_zone(root, "intel-rapl:1", "package-1", 3_000_000)
    rapl_zone(root, "intel-rapl:1:0", "core", 700_000)
    rapl_zone(root, "intel-rapl:1:1", "dram", 400_000)
    rapl_zone(root, "intel-rapl:2", "psys", 9_000_000)
    rapl_zone(root, "intel-rapl-mmio:0", "package-0", 1_000_000)
    (root / "intel-rapl").mkdir()  # the control-type folder, not a zone
    return root


def test_packages_and_dram_are_read_once_and_psys_core_mmio_not_added(two_sockets: Path) -> None:
    backend = RaplBackend(two_sockets)
    devices = backend.start(0.0)
    assert {d.device_id for d in devices} == {
        "rapl:package-0", "rapl:package-0/dram", "rapl:package-1", "rapl:package-1/dram"
    }
    assert {d.component for d in devices} == {"cpu", "dram"}
    assert all(d.method == COUNTER for d in devices)
    # One second later: package-0 +40 J, its DRAM +5 J, package-1 +60 J, its DRAM +7 J; psys (which
    # contains both packages) +130 J, cores +30 J and the MMIO copy +40 J must not be added.
    for folder, uj in (("intel-rapl:0", 41_000_000), ("intel-rapl:0:1", 5_200_000),
                       ("intel-rapl:1", 63_000_000), ("intel-rapl:1:1", 7_400_000),
                       ("intel-rapl:2", 139_000_000), ("intel-rapl:0:0", 30_500_000),
                       ("intel-rapl-mmio:0", 41_000_000)):
        set_uj(two_sockets, folder, uj)
    energy = backend.read(1.0)
    assert energy == {"rapl:package-0": 40.0, "rapl:package-0/dram": 5.0,
                      "rapl:package-1": 60.0, "rapl:package-1/dram": 7.0}
    assert sum(energy.values()) == 112.0  # not 40 + 5 + 60 + 7 + 130 + 30 + 40


def test_wraparound_between_two_reads_adds_the_range_never_zero(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    rapl_zone(root, "intel-rapl:0", "package-0", RAPL_MAX_UJ - 1_000_000)  # 1 J before the counter wraps
    backend = RaplBackend(root)
    backend.start(0.0)
    set_uj(root, "intel-rapl:0", 4_000_000)  # wrapped: 1 J up to the top, then 4 J from zero
    assert backend.read(1.0) == {"rapl:package-0": 5.0}
    set_uj(root, "intel-rapl:0", 6_500_000)  # and an ordinary interval after it
    assert backend.read(2.0) == {"rapl:package-0": 7.5}


def test_two_wraps_over_a_long_run_are_each_counted(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    small = 10_000_000  # a 10 J range so that the run wraps twice
    rapl_zone(root, "intel-rapl:0", "package-0", 8_000_000, max_uj=small)
    backend = RaplBackend(root)
    backend.start(0.0)
    for t, uj in ((1, 2_000_000), (2, 9_000_000), (3, 1_000_000)):  # +4 J, +7 J, +2 J
        set_uj(root, "intel-rapl:0", uj)
        backend.sample(float(t))
    assert backend.read(3.0) == {"rapl:package-0": 13.0}


def test_psys_alone_is_used_when_no_package_exists(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    rapl_zone(root, "intel-rapl:0", "psys", 0)
    devices = RaplBackend(root).start(0.0)
    assert [d.device_id for d in devices] == ["rapl:psys"]


def test_no_powercap_folder_is_unavailable_not_zero(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="no RAPL package zone"):
        RaplBackend(tmp_path / "missing").start(0.0)


def root_only(path: Path) -> str:
    """Read as an unprivileged user would: a file without the 'others' read bit is refused."""
    if not path.stat().st_mode & stat.S_IROTH:
        raise PermissionError(13, "Permission denied", str(path))
    return path.read_text()


def test_permission_denied_is_explained_then_the_labelled_model_is_used(two_sockets: Path) -> None:
    for energy in two_sockets.glob("intel-rapl*/energy_uj"):
        energy.chmod(0o400)  # what Linux >= 5.10 does to energy_uj
    with pytest.raises(BackendUnavailable) as info:
        RaplBackend(two_sockets, read_text=root_only).start(0.0)
    assert "root only since Linux 5.10" in str(info.value)
    assert "chmod a+r" in str(info.value)

    meter = Meter(powercap_root=two_sockets, powercap_read=root_only, nvml_source=_no_gpu, thread=False)
    meter.start()
    modelled = {(d.device_id, d.method) for d in meter.devices}
    assert modelled == {("model:cpu", MODELLED), ("model:ram", MODELLED)}
    assert any("root only since Linux 5.10" in note for note in meter.notes)
    meter.stop()


def test_unreadable_files_for_real_when_not_root(two_sockets: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads any file: covered by the read seam in the test above")
    for energy in two_sockets.glob("intel-rapl*/energy_uj"):
        energy.chmod(0o000)
    with pytest.raises(BackendUnavailable, match=r"root only since Linux 5\.10"):
        RaplBackend(two_sockets).start(0.0)


def _no_gpu() -> object:
    raise BackendUnavailable("no NVIDIA GPU (test)")


def test_rapl_dram_replaces_the_ram_model_and_package_the_cpu_model(two_sockets: Path) -> None:
    meter = Meter(powercap_root=two_sockets, nvml_source=_no_gpu, thread=False).start()
    assert {d.component for d in meter.devices} == {"cpu", "dram"}
    assert all(d.method == COUNTER for d in meter.devices)  # no modelled CPU or RAM on top (#1268)
    meter.stop()
