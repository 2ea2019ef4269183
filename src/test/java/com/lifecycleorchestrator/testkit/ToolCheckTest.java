package com.lifecycleorchestrator.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCheckTest {

  @Test
  void aPresentToolRunsEverywhere() {
    assertEquals(ToolCheck.Verdict.RUN, ToolCheck.verdict(true, Map.of()));
    assertEquals(ToolCheck.Verdict.RUN, ToolCheck.verdict(true, Map.of("CI", "true")));
  }

  @Test
  void aMissingToolSkipsOnAUsersMachine() {
    assertEquals(ToolCheck.Verdict.SKIP, ToolCheck.verdict(false, Map.of()));
    assertEquals(ToolCheck.Verdict.SKIP, ToolCheck.verdict(false, Map.of("CI", "false")));
  }

  @Test
  void aMissingToolFailsInCi() {
    assertEquals(ToolCheck.Verdict.FAIL, ToolCheck.verdict(false, Map.of("CI", "true")));
    assertEquals(ToolCheck.Verdict.FAIL, ToolCheck.verdict(false, Map.of("CI", "TRUE")));
  }

  @Test
  void toolsAreFoundOnThePath() {
    assertTrue(ToolCheck.find("sh").isPresent(), "every POSIX machine has sh on its PATH");
    assertTrue(ToolCheck.find("no-such-tool-d41d8cd98f").isEmpty());
  }
}
