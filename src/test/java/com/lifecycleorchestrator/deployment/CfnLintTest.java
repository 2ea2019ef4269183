package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code cfn-lint}, AWS's CloudFormation linter, on {@code template.yaml}: it expands the SAM
 * transform as CloudFormation will and checks every resource against AWS's resource specifications.
 * Not one error, warning or informational finding may remain.
 */
class CfnLintTest {

  @Test
  void theTemplatePassesCfnLintWithoutAFinding() throws IOException, InterruptedException {
    Path cfnLint = RequiredTool.onPath("cfn-lint", "pip install cfn-lint");
    Process lint = new ProcessBuilder(cfnLint.toString(), StackTemplate.FILE.toString())
        .redirectErrorStream(true)
        .start();

    String findings = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(lint.waitFor(5, TimeUnit.MINUTES), "cfn-lint did not finish within five minutes");

    assertEquals(0, lint.exitValue(), "cfn-lint " + StackTemplate.FILE + " found:\n" + findings);
    assertEquals("", findings.strip(), "cfn-lint printed findings");
  }
}
