package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.DeploymentPackage;
import com.lifecycleorchestrator.testkit.RequiredTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What {@code sam build} does with the function: with {@code BuildMethod: makefile} it runs the
 * target {@code build-<logical id>} of the {@code Makefile} in the function's {@code CodeUri},
 * which must ship the package that {@code DeploymentPackageIT} runs. Without the makefile build,
 * SAM's own Maven workflow would ship the SDK's jars unshrunk.
 */
class SamBuildTest {

  private static final String FUNCTION = "OrchestratorFunction";

  @Test
  void theFunctionIsBuiltByTheMakefile() {
    Map<String, Object> function = StackTemplate.map(StackTemplate.section("Resources").get(FUNCTION));

    assertEquals("makefile", StackTemplate.map(function.get("Metadata")).get("BuildMethod"));
  }

  @Test
  void theMakefileTargetBuildsThePackageAndCopiesItWhereSamCollectsIt() throws Exception {
    Path make = RequiredTool.onPath("make", "apt-get install make (or your system's package of GNU make)");
    Path codeUri = Path.of(String.valueOf(Deployment.DEFAULTS.template().requiredResource(FUNCTION).get("CodeUri")));

    // A dry run: make prints the recipe with ARTIFACTS_DIR filled in, and runs nothing.
    Process dryRun = new ProcessBuilder(make.toString(), "--dry-run", "build-" + FUNCTION, "ARTIFACTS_DIR=/sam/artifacts")
        .directory(codeUri.toFile()).redirectErrorStream(true).start();
    String recipe = new String(dryRun.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(dryRun.waitFor(30, TimeUnit.SECONDS), "make --dry-run did not end");

    assertEquals(0, dryRun.exitValue(), recipe);
    assertTrue(recipe.lines().anyMatch(line -> line.startsWith("mvn ") && line.contains(" package")), recipe);
    String shipped = DeploymentPackage.BUILT.toString().replace('\\', '/');
    assertTrue(recipe.contains("cp -R " + shipped + "/. \"/sam/artifacts\""), recipe);
  }

}
