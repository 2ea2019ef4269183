package com.lifecycleorchestrator.lambdaruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.RequiredTool;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A JVM of the cold-start benchmark gets a vCPU's share in proportion to the function's memory once
 * it handles invocations: a busy process in the group is throttled by the kernel, as it counts.
 */
class LambdaCpuTest {

  private static final Pattern THROTTLED = Pattern.compile("(?m)^nr_throttled (\\d+)$");

  @Test
  void aProcessInTheGroupRunsOnTheFunctionsShareOfAVcpuOnceItHandlesInvocations() throws Exception {
    LambdaCpu.Result created = LambdaCpu.create(256);
    RequiredTool.require(created.cpu() != null, "the cold-start benchmark models Lambda's CPU with a control "
        + "group, and " + created.whyNot() + "; run the build as root");
    try (LambdaCpu cpu = created.cpu()) {
      cpu.invoking();
      // About 75 ms of one core's work: at 14.5 ms per 100 ms period it cannot run unthrottled.
      Process busy = new ProcessBuilder(cpu.confine(List.of("/bin/sh", "-c",
          "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done"))).inheritIO().start();

      assertEquals(0, busy.waitFor());
      assertEquals(14.47, cpu.invocationPercent(), 0.01);
      Matcher throttled = THROTTLED.matcher(Files.readString(cpu.group().resolve("cpu.stat")));
      assertTrue(throttled.find(), "cpu.stat has no nr_throttled");
      assertTrue(Long.parseLong(throttled.group(1)) > 0, "the busy process was never throttled");
    }
    assertFalse(Files.exists(created.cpu().group()), "the group outlived its close");
  }
}
