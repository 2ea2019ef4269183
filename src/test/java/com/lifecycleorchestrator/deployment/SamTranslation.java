package com.lifecycleorchestrator.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.testkit.RequiredTool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code template.yaml} translated by AWS's SAM translator (the Python package {@code
 * aws-sam-translator}, which cfn-lint brings), as CloudFormation's {@code AWS::Serverless} transform
 * translates it for a deployment with some parameter values: what SAM itself generates, such as the
 * function's version, alias and EventBridge rule, is there to be read. Runs
 * {@code src/test/resources/deployment/sam_translate.py}, one Python process for all the parameter sets.
 */
final class SamTranslation {

  /** Where sam deploy would have uploaded the package: the same location for every set is the same code. */
  static final String PACKAGED_CODE = "s3://sam-artifacts-123456789012/lifecycle-orchestrator/0123456789abcdef";

  private static final Path SCRIPT = Path.of("src/test/resources/deployment/sam_translate.py");
  private static final ObjectMapper JSON = new ObjectMapper();

  private SamTranslation() {}

  /** The translated templates, one per parameter set, in the same order. */
  static List<JsonNode> of(List<Map<String, String>> parameterSets) throws IOException, InterruptedException {
    Path python = RequiredTool.onPath("python3", "your system's Python 3 package");
    Process translator = new ProcessBuilder(python.toString(), SCRIPT.toString(), StackTemplate.FILE.toString(),
        PACKAGED_CODE).start();
    CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> readAll(translator.getErrorStream()));
    try (OutputStream in = translator.getOutputStream()) {
      JSON.writeValue(in, parameterSets);
    }
    byte[] out = translator.getInputStream().readAllBytes();
    if (!translator.waitFor(2, TimeUnit.MINUTES)) {
      translator.destroyForcibly();
      throw new AssertionError("the SAM translator did not finish within two minutes");
    }
    String failure = errors.join();
    RequiredTool.require(!failure.contains("No module named 'samtranslator'"),
        "the SAM translator is not installed (pip install cfn-lint, which brings aws-sam-translator)");
    if (translator.exitValue() != 0) {
      throw new AssertionError("the SAM translator refused the template:\n" + failure);
    }
    List<JsonNode> translated = new ArrayList<>();
    JSON.readTree(out).forEach(translated::add);
    return translated;
  }

  static JsonNode of(Map<String, String> parameters) throws IOException, InterruptedException {
    return of(List.of(parameters)).get(0);
  }

  private static String readAll(InputStream stream) {
    try {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "could not read the translator's errors: " + e;
    }
  }
}
