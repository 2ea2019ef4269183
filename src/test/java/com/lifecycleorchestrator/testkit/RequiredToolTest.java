package com.lifecycleorchestrator.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequiredToolTest {

  @TempDir
  Path bin;

  @Test
  void findsAnExecutableOnThePath() throws IOException {
    Path tool = executable("lint-tool");

    assertEquals(tool, RequiredTool.onPath("lint-tool", "get it", Map.of("PATH", "/nowhere:" + bin)));
  }

  @Test
  void skipsWithTheInstallHintWhereTheToolIsMissing() {
    TestAbortedException skipped = assertThrows(TestAbortedException.class,
        () -> RequiredTool.onPath("lint-tool", "pip install lint-tool", Map.of("PATH", bin.toString())));

    assertTrue(skipped.getMessage().contains("lint-tool is not on PATH"), skipped.getMessage());
    assertTrue(skipped.getMessage().contains("pip install lint-tool"), skipped.getMessage());
  }

  @Test
  void failsUnderCiWhereTheToolIsMissing() {
    AssertionFailedError failed = assertThrows(AssertionFailedError.class,
        () -> RequiredTool.onPath("lint-tool", "get it", Map.of("PATH", bin.toString(), "CI", "true")));

    assertTrue(failed.getMessage().contains("CI=true"), failed.getMessage());
  }

  @Test
  void aFileThatCannotBeExecutedIsNoTool() throws IOException {
    Files.writeString(bin.resolve("lint-tool"), "not a program");

    assertThrows(TestAbortedException.class,
        () -> RequiredTool.onPath("lint-tool", "get it", Map.of("PATH", bin.toString())));
  }

  @Test
  void anythingElseACheckNeedsFollowsTheSameRule() {
    RequiredTool.require(true, "present", Map.of("CI", "true"));
    assertThrows(TestAbortedException.class, () -> RequiredTool.require(false, "models missing", Map.of()));
    assertThrows(AssertionFailedError.class,
        () -> RequiredTool.require(false, "models missing", Map.of("CI", "true")));
  }

  private Path executable(String name) throws IOException {
    Path file = Files.writeString(bin.resolve(name), "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
