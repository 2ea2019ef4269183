package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.zip.GZIPInputStream;

/**
 * AWS's own description of a service's API, as botocore ships it ({@code service-2.json}), held
 * against what the stand-in sent and what the AWS CLI made of it: every member known to the
 * operation's output shape, every required member present, every enum value allowed, every
 * string of the allowed length and pattern, and every member the stand-in sent parsed by the CLI
 * with the same value. botocore parses by the model and silently drops what the model does not
 * name, so the last check is what catches a member the stand-in misspells.
 */
final class ServiceModel {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode model;

  private ServiceModel(JsonNode model) {
    this.model = model;
  }

  /** The directory of botocore's service models, from the Python that has botocore, if any. */
  static Optional<Path> botocoreData() {
    try {
      Process python = new ProcessBuilder("python3", "-c",
          "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))")
          .redirectErrorStream(true)
          .start();
      String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      boolean finished = python.waitFor(30, TimeUnit.SECONDS);
      return finished && python.exitValue() == 0 && Files.isDirectory(Path.of(out))
          ? Optional.of(Path.of(out))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The model of one service, e.g. {@code ssm} and {@code 2014-11-06}. */
  static ServiceModel load(Path botocoreData, String service, String apiVersion) {
    Path directory = botocoreData.resolve(service).resolve(apiVersion);
    Path plain = directory.resolve("service-2.json");
    try (InputStream in = Files.exists(plain)
        ? Files.newInputStream(plain)
        : new GZIPInputStream(Files.newInputStream(directory.resolve("service-2.json.gz")))) {
      return new ServiceModel(JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the model of " + service + " in " + directory, e);
    }
  }

  /** The error codes the operation's model names. */
  Set<String> errorCodes(String operation) {
    Set<String> codes = new HashSet<>();
    for (JsonNode error : operationModel(operation).path("errors")) {
      String shape = error.path("shape").asText();
      codes.add(model.path("shapes").path(shape).path("error").path("code").asText(shape));
    }
    return codes;
  }

  /**
   * Everything wrong with the CLI's output of one operation, given the output members the
   * stand-in sent (as {@link AwsStandIn.Call#response()}); {@code notParsed} lists members that
   * travel outside the parsed output, such as a Lambda payload the CLI writes to a file.
   */
  List<String> problems(String operation, JsonNode cliOutput, Map<String, String> sent, Set<String> notParsed) {
    List<String> problems = new ArrayList<>();
    JsonNode output = operationModel(operation).path("output");
    Set<String> visited = new LinkedHashSet<>();
    if (output.isMissingNode()) {
      if (!cliOutput.isEmpty()) {
        problems.add("the operation has no output, but the CLI printed " + cliOutput);
      }
    } else {
      check(cliOutput, output.path("shape").asText(), "", sent, visited, problems);
    }
    sent.keySet().stream()
        .filter(key -> !visited.contains(key) && !notParsed.contains(key))
        .forEach(key -> problems.add(key + " was sent but the CLI did not parse it: no such member in the model"));
    return problems;
  }

  private JsonNode operationModel(String operation) {
    JsonNode found = model.path("operations").path(operation);
    if (found.isMissingNode()) {
      throw new IllegalArgumentException("the model has no operation " + operation);
    }
    return found;
  }

  private void check(JsonNode value, String shapeName, String path, Map<String, String> sent, Set<String> visited,
      List<String> problems) {
    JsonNode shape = model.path("shapes").path(shapeName);
    String where = path.isEmpty() ? "the output" : path;
    switch (shape.path("type").asText()) {
      case "structure" -> {
        if (!value.isObject()) {
          problems.add(where + " must be a structure " + shapeName + ", got " + value);
          return;
        }
        JsonNode members = shape.path("members");
        for (JsonNode required : shape.path("required")) {
          if (!value.has(required.asText())) {
            problems.add(where + " lacks the required member " + required.asText());
          }
        }
        value.fields().forEachRemaining(field -> {
          JsonNode member = members.path(field.getKey());
          if (member.isMissingNode()) {
            problems.add(where + " has the member " + field.getKey() + ", which " + shapeName + " does not declare");
          } else {
            check(field.getValue(), member.path("shape").asText(), path + field.getKey() + ".", sent, visited,
                problems);
          }
        });
      }
      case "list" -> {
        if (!value.isArray()) {
          problems.add(where + " must be a list, got " + value);
          return;
        }
        for (int i = 0; i < value.size(); i++) {
          check(value.get(i), shape.path("member").path("shape").asText(), path + (i + 1) + ".", sent, visited,
              problems);
        }
      }
      case "map" -> {
        if (!value.isObject()) {
          problems.add(where + " must be a map, got " + value);
          return;
        }
        value.fields().forEachRemaining(entry -> check(entry.getValue(), shape.path("value").path("shape").asText(),
            path + entry.getKey() + ".", sent, visited, problems));
      }
      default -> checkScalar(value, shape, shapeName, path.substring(0, Math.max(0, path.length() - 1)), sent,
          visited, problems);
    }
  }

  private static void checkScalar(JsonNode value, JsonNode shape, String shapeName, String key,
      Map<String, String> sent, Set<String> visited, List<String> problems) {
    String type = shape.path("type").asText();
    boolean typed = switch (type) {
      case "string" -> value.isTextual();
      case "integer", "long" -> value.isIntegralNumber();
      case "boolean" -> value.isBoolean();
      case "double", "float" -> value.isNumber();
      case "timestamp", "blob" -> value.isTextual() || value.isNumber();
      default -> true;
    };
    if (!typed) {
      problems.add(key + " must be " + type + " (" + shapeName + "), got " + value);
      return;
    }
    if (type.equals("string")) {
      checkString(value.asText(), shape, key, problems);
    }
    visited.add(key);
    String expected = sent.get(key);
    if (expected == null) {
      problems.add(key + " was parsed by the CLI but the stand-in did not send it");
    } else if (type.equals("timestamp") ? !sameInstant(expected, value.asText()) : !expected.equals(value.asText())) {
      problems.add(key + " was sent as '" + expected + "' but the CLI parsed '" + value.asText() + "'");
    }
  }

  private static void checkString(String text, JsonNode shape, String key, List<String> problems) {
    if (shape.has("enum")) {
      boolean allowed = false;
      for (JsonNode value : shape.path("enum")) {
        allowed |= value.asText().equals(text);
      }
      if (!allowed) {
        problems.add(key + " is '" + text + "', not one of " + shape.path("enum"));
      }
    }
    if (shape.has("min") && text.length() < shape.path("min").asInt()
        || shape.has("max") && text.length() > shape.path("max").asInt()) {
      problems.add(key + " has " + text.length() + " characters, outside " + shape.path("min").asText("0") + ".."
          + shape.path("max").asText("any"));
    }
    if (shape.has("pattern")) {
      try {
        if (!Pattern.compile(shape.path("pattern").asText()).matcher(text).find()) {
          problems.add(key + " '" + text + "' does not match " + shape.path("pattern").asText());
        }
      } catch (PatternSyntaxException notJavaRegex) {
        // A few model patterns use syntax Java's regex lacks; the other checks still hold.
      }
    }
  }

  private static boolean sameInstant(String sent, String parsed) {
    try {
      return Instant.parse(sent).equals(OffsetDateTime.parse(parsed).toInstant());
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
