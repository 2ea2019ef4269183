package com.lifecycleorchestrator.deployment;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SSM Automation runbook that {@code template.yaml} creates, read from the template: its
 * parameters, its one step, and the shell script that step runs on the instance.
 */
record LogArchiveRunbook(Map<String, Object> content) {

  /** How Automation marks a parameter or variable it substitutes into the text of a step. */
  static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_:]+)\\s*}}");

  /** Automation's own variables, such as {@code global:REGION}, are not runbook parameters. */
  static final String SYSTEM_VARIABLE = "global:";

  static LogArchiveRunbook of(StackTemplate template) {
    return new LogArchiveRunbook(StackTemplate.map(template.requiredResource("LogArchiveRunbook").get("Content")));
  }

  Map<String, Object> parameters() {
    return StackTemplate.map(content.get("parameters"));
  }

  Map<String, Object> parameter(String name) {
    Map<String, Object> parameter = StackTemplate.map(parameters().get(name));
    if (parameter.isEmpty()) {
      throw new AssertionError("the runbook declares no parameter " + name);
    }
    return parameter;
  }

  /** The parameter's allowedPattern, which Automation holds every value to before it starts. */
  Pattern allowedPattern(String name) {
    Object pattern = parameter(name).get("allowedPattern");
    if (pattern == null) {
      throw new AssertionError("runbook parameter " + name + " has no allowedPattern");
    }
    return Pattern.compile((String) pattern);
  }

  Map<String, Object> step() {
    List<Map<String, Object>> steps = steps();
    if (steps.size() != 1) {
      throw new AssertionError("the runbook was written with one step, now it has " + steps.size());
    }
    return steps.get(0);
  }

  /** Every step of the runbook, in order. */
  List<Map<String, Object>> steps() {
    return ((List<?>) content.get("mainSteps")).stream().map(StackTemplate::map).toList();
  }

  /** The role the runbook runs as: the default of its AutomationAssumeRole, which the stack's role is. */
  Object assumeRoleDefault() {
    return parameter("AutomationAssumeRole").get("default");
  }

  /** The script the step hands to AWS-RunShellScript, before Automation substitutes anything. */
  String script() {
    Map<String, Object> inputs = StackTemplate.map(step().get("inputs"));
    List<?> commands = (List<?>) StackTemplate.map(inputs.get("Parameters")).get("commands");
    return String.join("\n", commands.stream().map(String.class::cast).toList());
  }

  /** The runbook parameters the script uses. */
  Set<String> parametersInScript() {
    Set<String> names = new TreeSet<>();
    Matcher placeholder = PLACEHOLDER.matcher(script());
    while (placeholder.find()) {
      if (!placeholder.group(1).startsWith(SYSTEM_VARIABLE)) {
        names.add(placeholder.group(1));
      }
    }
    return names;
  }

  /** The script as Automation hands it to the instance: every placeholder replaced by its value, as text. */
  String scriptWith(Map<String, String> values) {
    Matcher placeholder = PLACEHOLDER.matcher(script());
    StringBuilder rendered = new StringBuilder();
    while (placeholder.find()) {
      String value = values.get(placeholder.group(1));
      if (value == null) {
        throw new IllegalArgumentException("no value for " + placeholder.group(1));
      }
      placeholder.appendReplacement(rendered, Matcher.quoteReplacement(value));
    }
    placeholder.appendTail(rendered);
    return rendered.toString();
  }
}
