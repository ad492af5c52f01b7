#!/usr/bin/env bats
# placeholder
@test "placeholder" { skip "not written yet"; }
