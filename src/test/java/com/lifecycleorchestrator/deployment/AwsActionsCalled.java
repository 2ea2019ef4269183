package com.lifecycleorchestrator.deployment;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.SdkResponse;

/**
 * The IAM actions the function's code needs, read from its compiled classes rather than kept by
 * hand: every call on an AWS SDK service client ({@code software.amazon.awssdk.services.*.*Client}),
 * named as IAM names it: the client's service name and the operation, such as
 * {@code SsmClient.startAutomationExecution} to {@code ssm:StartAutomationExecution} (and
 * {@code LambdaClient.invoke} to {@code lambda:InvokeFunction}). A call that is
 * neither an operation nor client plumbing fails the derivation, so no call goes unaccounted for.
 */
final class AwsActionsCalled {

  private static final Pattern SERVICE_CLIENT =
      Pattern.compile("software\\.amazon\\.awssdk\\.services\\.[a-z0-9]+\\.[A-Za-z0-9]+Client");

  /** Methods of a service client that build, describe or close it and call no AWS API. */
  private static final Set<String> CLIENT_PLUMBING =
      Set.of("builder", "create", "serviceMetadata", "serviceClientConfiguration", "serviceName", "close");

  private static final String PAGINATOR = "Paginator";

  /**
   * The few operations whose IAM action is named otherwise, from the "API operations" tables of the
   * service authorization reference.
   */
  private static final Map<String, String> IAM_ACTION_OF_OPERATION = Map.of("lambda:Invoke", "lambda:InvokeFunction");

  private AwsActionsCalled() {}

  static Set<String> byTheFunction() {
    JavaClasses production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("com.lifecycleorchestrator");
    Set<String> actions = new TreeSet<>();
    for (JavaClass type : production) {
      for (JavaMethodCall call : type.getMethodCallsFromSelf()) {
        JavaClass client = call.getTargetOwner();
        if (SERVICE_CLIENT.matcher(client.getName()).matches()) {
          operation(call).map(operation -> servicePrefix(client) + ":" + operation)
              .map(action -> IAM_ACTION_OF_OPERATION.getOrDefault(action, action))
              .ifPresent(actions::add);
        }
      }
    }
    return actions;
  }

  private static Optional<String> operation(JavaMethodCall call) {
    String method = call.getName();
    Class<?> returned = call.getTarget().getRawReturnType().reflect();
    if (SdkResponse.class.isAssignableFrom(returned)) {
      return Optional.of(withoutSuffix(returned.getSimpleName(), "Response"));
    }
    if (method.endsWith(PAGINATOR)) {
      return Optional.of(capitalized(withoutSuffix(method, PAGINATOR)));
    }
    if (CLIENT_PLUMBING.contains(method)) {
      return Optional.empty();
    }
    throw new IllegalStateException(call.getDescription() + ": a client call that is neither an AWS "
        + "operation nor client plumbing; teach " + AwsActionsCalled.class.getSimpleName()
        + " which IAM action it needs");
  }

  /** The IAM service prefix; for the services the function calls it is the SDK's service name. */
  private static String servicePrefix(JavaClass client) {
    try {
      return (String) client.reflect().getField("SERVICE_NAME").get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(client.getName() + " has no SERVICE_NAME", e);
    }
  }

  private static String withoutSuffix(String name, String suffix) {
    if (!name.endsWith(suffix)) {
      throw new IllegalStateException(name + " does not end with " + suffix);
    }
    return name.substring(0, name.length() - suffix.length());
  }

  private static String capitalized(String name) {
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }
}
