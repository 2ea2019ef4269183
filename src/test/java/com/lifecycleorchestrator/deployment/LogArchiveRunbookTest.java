package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.testkit.RequiredTool;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The log-archiving runbook of {@code template.yaml}: it accepts what the function passes, keeps
 * every parameter inside quotes, and its script, run by a real POSIX shell with {@code aws} standing
 * in for the AWS CLI, archives the logs where docs/deployment.md says and fails when it cannot.
 */
class LogArchiveRunbookTest {

  private static final LogArchiveRunbook RUNBOOK = LogArchiveRunbook.of(Deployment.DEFAULTS.template());

  /** The action of {@code events/terminate.json}. */
  private static final LifecycleAction ACTION = new LifecycleAction(LifecycleAction.Transition.TERMINATING,
      new LifecycleAction.GroupName("web-asg"), new LifecycleAction.HookName("graceful-exit"),
      new LifecycleAction.InstanceId("i-0a1b2c3d4e5f67890"),
      new LifecycleAction.Token("87654321-4321-4321-4321-210987654321"), Instant.parse("2026-11-25T13:00:00Z"));

  /** A stand-in for the AWS CLI that records its arguments, keeps the file it is given, and exits as told. */
  private static final String FAKE_AWS = """
      #!/bin/sh
      printf '%s\\n' "$@" > "$FAKE_AWS_ARGUMENTS"
      cp "$3" "$FAKE_S3/"
      exit "$FAKE_AWS_EXIT"
      """;

  @TempDir
  Path directory;

  static Stream<Deployment> deploymentsWithTheStacksRunbook() {
    return Stream.of(Deployment.values()).filter(deployment -> deployment.template().condition("CreatesRunbook"));
  }

  @ParameterizedTest
  @MethodSource("deploymentsWithTheStacksRunbook")
  void theFunctionStartsTheRunbookWithParametersItDeclaresAndAdmits(Deployment deployment) {
    LogArchiveRunbook runbook = LogArchiveRunbook.of(deployment.template());

    Map<String, List<String>> passed = deployment.settings().terminateRunbook().startFor(ACTION, 0, java.time.Instant.EPOCH).parameters();

    passed.forEach((name, values) -> values.forEach(value -> assertTrue(
        runbook.allowedPattern(name).matcher(value).matches(), "the runbook refuses " + name + " = " + value)));
    runbook.parameters().forEach((name, definition) -> assertTrue(
        StackTemplate.map(definition).containsKey("default") || passed.containsKey(name),
        "the runbook requires " + name + ", which the function does not pass"));
  }

  @ParameterizedTest
  @MethodSource("deploymentsWithTheStacksRunbook")
  void theDefaultsTheStackGivesTheRunbookAreAdmitted(Deployment deployment) {
    LogArchiveRunbook runbook = LogArchiveRunbook.of(deployment.template());

    runbook.parameters().forEach((name, definition) -> {
      Object value = StackTemplate.map(definition).get("default");
      if (value != null) {
        assertTrue(runbook.allowedPattern(name).matcher(String.valueOf(value)).matches(),
            "the runbook's own default refuses " + name + " = " + value);
      }
    });
  }

  /**
   * Deploying refuses what the runbook would refuse later, at the first scale-in: the stack's
   * parameter admits exactly what the runbook's parameter that receives it admits.
   */
  @ParameterizedTest
  @CsvSource({"LogPrefix, Prefix", "LogPaths, LogPaths"})
  void theStackAdmitsExactlyWhatTheRunbookAdmits(String stackParameter, String runbookParameter) {
    assertEquals("^" + stackPattern(stackParameter) + "$", RUNBOOK.allowedPattern(runbookParameter).pattern());
  }

  /** A group name the runbook admits, or none: fleet mode, whose groups' names come with their events. */
  @Test
  void theStackAdmitsTheGroupNamesTheRunbookAdmitsOrNoneForFleetMode() {
    assertEquals("^(" + RUNBOOK.allowedPattern("AutoScalingGroupName").pattern().replaceAll("^\\^|\\$$", "") + ")?$",
        "^" + stackPattern("AutoScalingGroupName") + "$");
  }

  private static String stackPattern(String parameter) {
    return (String) StackTemplate.map(StackTemplate.section("Parameters").get(parameter)).get("AllowedPattern");
  }

  @Test
  void everyParameterReachesTheShellInsideSingleQuotes() {
    String script = RUNBOOK.script();
    Matcher placeholder = LogArchiveRunbook.PLACEHOLDER.matcher(script);

    while (placeholder.find()) {
      assertEquals('\'', script.charAt(placeholder.start() - 1), placeholder.group() + " is not quoted");
      assertEquals('\'', script.charAt(placeholder.end()), placeholder.group() + " is not quoted");
    }
    assertFalse(RUNBOOK.parametersInScript().isEmpty());
  }

  @Test
  void aFailedScriptFailsTheRunbook() {
    Map<String, Object> step = RUNBOOK.step();

    assertEquals("aws:runCommand", step.get("action"));
    assertEquals("AWS-RunShellScript", StackTemplate.map(step.get("inputs")).get("DocumentName"));
    assertEquals("Abort", step.getOrDefault("onFailure", "Abort"));
  }

  @Test
  void theScriptArchivesTheLogsUnderTheGroupAndInstanceNamedWithTheTime() throws Exception {
    Path logs = Files.createDirectories(directory.resolve("logs"));
    Files.writeString(logs.resolve("app.log"), "started\n");
    Files.writeString(logs.resolve("a.txt"), "a\n");
    Files.writeString(logs.resolve("b.txt"), "b\n");

    Run run = runScript(Map.of("AutoScalingGroupName", "web asg",
        "LogPaths", logs + "/app.log," + logs + "/*.txt," + logs + "/absent.log"), 0);

    assertEquals(0, run.exitCode(), run.output());
    List<String> copy = run.awsArguments();
    assertEquals(List.of("s3", "cp"), copy.subList(0, 2));
    String archive = Path.of(copy.get(2)).getFileName().toString();
    assertTrue(archive.matches("i-0a1b2c3d4e5f67890-\\d{8}T\\d{6}Z\\.tar\\.gz"), archive);
    assertEquals(List.of("s3://acme-instance-logs/lifecycle-logs/prod/web asg/i-0a1b2c3d4e5f67890/" + archive,
        "--region", "us-east-1", "--only-show-errors"), copy.subList(3, copy.size()));
    assertEquals(List.of(logs + "/a.txt", logs + "/app.log", logs + "/b.txt"),
        entriesOf(directory.resolve("s3").resolve(archive)));
    assertTrue(run.output().contains("not found, skipped: " + logs + "/absent.log"), run.output());
    assertFalse(Files.exists(Path.of(copy.get(2))), "the archive is left on the instance");
  }

  @Test
  void theScriptFailsWhenNoLogPathExists() throws Exception {
    Run run = runScript(Map.of("LogPaths", directory + "/absent.log," + directory + "/*.gone"), 0);

    assertNotEquals(0, run.exitCode());
    assertTrue(run.output().contains("none of the log paths exists"), run.output());
    assertEquals(List.of(), run.awsArguments(), "nothing may be copied");
  }

  @Test
  void theScriptFailsWhenTheCopyToS3Fails() throws Exception {
    Files.writeString(directory.resolve("app.log"), "started\n");

    Run run = runScript(Map.of("LogPaths", directory + "/app.log"), 1);

    assertNotEquals(0, run.exitCode(), run.output());
  }

  private record Run(int exitCode, String output, List<String> awsArguments) {}

  /** The script as AWS-RunShellScript runs it: rendered by Automation into a file that sh runs. */
  private Run runScript(Map<String, String> overrides, int awsExitCode) throws IOException, InterruptedException {
    Path sh = RequiredTool.onPath("sh", "a POSIX shell (dash, bash) from your system's packages");
    RequiredTool.onPath("tar", "GNU tar from your system's packages");
    Map<String, String> values = new LinkedHashMap<>(Map.of(
        "InstanceId", "i-0a1b2c3d4e5f67890",
        "AutoScalingGroupName", "web-asg",
        "BucketName", "acme-instance-logs",
        "Prefix", "lifecycle-logs/prod",
        "LogPaths", "/var/log/absent.log",
        "global:REGION", StackTemplate.REGION));
    values.putAll(overrides);
    values.forEach((name, value) -> {
      if (!name.startsWith(LogArchiveRunbook.SYSTEM_VARIABLE)) {
        assertTrue(RUNBOOK.allowedPattern(name).matcher(value).matches(), "Automation would refuse " + name + " = " + value);
      }
    });
    Path bin = Files.createDirectories(directory.resolve("bin"));
    Path aws = Files.writeString(bin.resolve("aws"), FAKE_AWS);
    Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(directory.resolve("s3"));
    Path arguments = directory.resolve("aws-arguments");
    Path script = Files.writeString(directory.resolve("_script.sh"), RUNBOOK.scriptWith(values));

    ProcessBuilder shell = new ProcessBuilder(sh.toString(), script.toString()).redirectErrorStream(true);
    shell.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    shell.environment().put("FAKE_AWS_ARGUMENTS", arguments.toString());
    shell.environment().put("FAKE_S3", directory.resolve("s3").toString());
    shell.environment().put("FAKE_AWS_EXIT", String.valueOf(awsExitCode));
    Process process = shell.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the script did not end within a minute");
    List<String> awsArguments = Files.exists(arguments) ? Files.readAllLines(arguments) : List.of();
    return new Run(process.exitValue(), output, awsArguments);
  }

  /** The files in the archive, by the absolute path they had on the instance. */
  private static List<String> entriesOf(Path archive) throws IOException, InterruptedException {
    Process tar = new ProcessBuilder("tar", "-tzf", archive.toString()).redirectErrorStream(true).start();
    String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(tar.waitFor(1, TimeUnit.MINUTES));
    assertEquals(0, tar.exitValue(), listing);
    return listing.lines().map(entry -> "/" + entry).sorted().toList();
  }
}
