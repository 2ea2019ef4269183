package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.DeploymentPackage;
import com.lifecycleorchestrator.testkit.RequiredTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    String recipe = recipe();

    assertTrue(recipe.lines().anyMatch(line -> line.startsWith("mvn ") && line.contains(" package")), recipe);
    assertFalse(recipe.contains("-Dshrink"), "the package is shrunk unless asked otherwise: " + recipe);
    String shipped = DeploymentPackage.BUILT.toString().replace('\\', '/');
    assertTrue(recipe.contains("cp -R " + shipped + "/. \"/sam/artifacts\""), recipe);
  }

  @Test
  void shrinkFalseReachesMavenSoThePackageShipsTheSdkUnshrunk() throws Exception {
    String recipe = recipe("SHRINK=false");

    assertTrue(recipe.lines().anyMatch(line -> line.startsWith("mvn ") && line.contains(" package")
        && line.contains(" -Dshrink=false")), recipe);
  }

  /** A dry run: make prints the recipe with ARTIFACTS_DIR (and the variables given) filled in, and runs nothing. */
  private static String recipe(String... variables) throws Exception {
    Path make = RequiredTool.onPath("make", "apt-get install make (or your system's package of GNU make)");
    Path codeUri = Path.of(String.valueOf(Deployment.DEFAULTS.template().requiredResource(FUNCTION).get("CodeUri")));
    List<String> command = new ArrayList<>(List.of(make.toString(), "--dry-run", "build-" + FUNCTION,
        "ARTIFACTS_DIR=/sam/artifacts"));
    command.addAll(List.of(variables));
    ProcessBuilder builder = new ProcessBuilder(command).directory(codeUri.toFile()).redirectErrorStream(true);
    builder.environment().remove("SHRINK");
    Process dryRun = builder.start();
    String recipe = new String(dryRun.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(dryRun.waitFor(30, TimeUnit.SECONDS), "make --dry-run did not end");
    assertEquals(0, dryRun.exitValue(), recipe);
    return recipe;
  }
}
