// What each emulated board reports about itself. `mpy` is
// sys.implementation._mpy: mpy version 6.3 plus the native arch index << 10.
export const PLATFORMS = {
  generic: {
    platform: 'webassembly', sysname: 'webassembly', machine: 'JS with Emscripten',
    mpy: 774, build: 'VBOARD_GENERIC', heap: 1024 * 1024, rx: 512, freq: 240000000,
    uidLen: 8,
  },
  esp32: {
    platform: 'esp32', sysname: 'esp32', machine: 'Generic ESP32 module with ESP32',
    mpy: 774 | (10 << 10), build: 'ESP32_GENERIC', heap: 160 * 1024, rx: 260, freq: 160000000,
    uidLen: 6,
  },
  rp2: {
    platform: 'rp2', sysname: 'rp2', machine: 'Raspberry Pi Pico with RP2040',
    mpy: 774 | (4 << 10), build: 'RPI_PICO', heap: 228 * 1024, rx: 512, freq: 125000000,
    uidLen: 8, fsBlocks: 352,
  },
};

/** --rp2-chip rp2350: a Raspberry Pi Pico 2 (armv7emsp, 4 MiB flash of which 3 MiB filesystem). */
export const RP2350 = {
  machine: 'Raspberry Pi Pico2 with RP2350', mpy: 774 | (7 << 10), build: 'RPI_PICO2',
  heap: 480 * 1024, freq: 150000000, fsBlocks: 768,
};

export const VERSION_LINE = 'MicroPython v1.27.0 on 2025-12-10';
