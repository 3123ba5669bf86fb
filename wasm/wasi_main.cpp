// The WASI command's entry (dist/wasi/membership-cli.wasm); the host is host-shims/wasi/command.h.
#include "command.h"

int main(int argc, char** argv) { return mb::wasi::run_command(argc, argv); }
