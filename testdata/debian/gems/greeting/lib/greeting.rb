module Greeting
  def self.hello = "hello"
end
