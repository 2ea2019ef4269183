package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code cfn-lint}, AWS's CloudFormation linter, on {@code template.yaml}: it expands the SAM
 * transform as CloudFormation will and checks every resource against AWS's resource specifications.
 * Not one error, warning or informational finding may remain. The three runs, each a Python
 * process of its own that spends seconds loading the specifications, run side by side.
 */
@Execution(ExecutionMode.CONCURRENT)
class CfnLintTest {

  @Test
  void theTemplatePassesCfnLintWithoutAFinding() throws IOException, InterruptedException {
    assertLintsClean(List.of());
  }

  /** The resources a switch leaves out must not leave a dangling reference behind. */
  @Test
  void theTemplateWithoutTheWaitingRoomAndTheReconcilerPassesCfnLint() throws IOException, InterruptedException {
    assertLintsClean(List.of("--parameters", "AutoScalingGroupName=web-asg", "UseWaitingRoom=false", "UseReconciler=false"));
  }

  /** Fleet mode: no group named, so no hook of the stack's, and the allowed runbooks' places in the policy. */
  @Test
  void theTemplateInFleetModePassesCfnLint() throws IOException, InterruptedException {
    assertLintsClean(List.of("--parameters", "AutoScalingGroupName=", "AllowedRunbooks=drain-and-archive,warm-cache",
        "LaunchAutomationDocumentName=warm-up-instance"));
  }

  private static void assertLintsClean(List<String> options) throws IOException, InterruptedException {
    Path cfnLint = RequiredTool.onPath("cfn-lint", "pip install cfn-lint");
    List<String> command = new ArrayList<>(List.of(cfnLint.toString(), StackTemplate.FILE.toString()));
    command.addAll(options);
    Process lint = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .start();

    String findings = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(lint.waitFor(5, TimeUnit.MINUTES), "cfn-lint did not finish within five minutes");

    assertEquals(0, lint.exitValue(), String.join(" ", command) + " found:\n" + findings);
    assertEquals("", findings.strip(), "cfn-lint printed findings");
  }
}
